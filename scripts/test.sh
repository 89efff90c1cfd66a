#!/usr/bin/env bash
# Builds the release wheel users get (manylinux2014 x86_64, scripts/build_wheels.sh),
# installs it with the test tools into a fresh
# virtual environment, then lints, type-checks and runs pytest against the
# *installed wheel* (never the source tree), then the Airflow integration in real
# Airflow installs (scripts/test_airflow.sh) and the Spark integration in a real Spark
# (scripts/test_spark.sh, which also needs Java 17+). Needs Rust and Python >= 3.10.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
venv=.venv-test
rm -rf "$venv" dist
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip

# The wheel users get from pip on Linux x86_64: manylinux2014 (glibc 2.17), built with zig
# and the `dist` profile and audited, as scripts/build_wheels.sh builds every release wheel.
echo "==> building the manylinux2014 x86_64 wheel"
./scripts/build_wheels.sh --target x86_64-unknown-linux-gnu --no-sdist --out dist
wheel=$(ls dist/segment_sendgrid-*manylinux*_x86_64.whl)
"$venv/bin/python" -m pip install --quiet "${wheel}[test]"

echo "==> ruff"
"$venv/bin/ruff" check python tests benchmarks
"$venv/bin/ruff" format --check python tests benchmarks

echo "==> mypy --strict"
"$venv/bin/mypy" --strict python/segment_sendgrid tests benchmarks

echo "==> stubtest"
(cd tests && ../"$venv"/bin/python -m mypy.stubtest segment_sendgrid._native \
    --allowlist stubtest-allowlist.txt)

echo "==> pytest (installed wheel)"
"$venv/bin/python" -m pytest -q "$@"

# The Airflow integration runs in real Airflow installs of its own (a minute or two);
# SKIP_AIRFLOW=1 leaves it out of quick local loops. CI always runs it.
if [ "${SKIP_AIRFLOW:-0}" != 1 ]; then
    echo "==> the Airflow integration in a real Airflow"
    ./scripts/test_airflow.sh
fi

# Likewise the Spark integration, in a real Spark of its own (about two minutes);
# SKIP_SPARK=1 leaves it out of quick local loops. CI always runs it.
if [ "${SKIP_SPARK:-0}" != 1 ]; then
    echo "==> the Spark integration in a real Spark"
    ./scripts/test_spark.sh
fi
