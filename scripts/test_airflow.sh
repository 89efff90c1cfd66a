#!/usr/bin/env bash
# The Airflow integration in a real Airflow. Needs the wheel that scripts/test.sh built in
# dist/. For each version in AIRFLOW_VERSIONS (default: the current 3.x and the oldest
# supported 2.x) it makes a fresh virtual environment .venv-airflow-<version> with
# `apache-airflow==<version>` and `<wheel>[airflow]` (the installs run in parallel), runs
# `airflow db migrate` in a temporary AIRFLOW_HOME and pytest tests/airflow_e2e there: the hook
# and operators in-process, then `airflow dags test` of tests/airflow_e2e/dags against an
# emulator, with the connection given as AIRFLOW_CONN_SENDGRID_DEFAULT. On the first
# version it also runs mypy --strict over the integration with Airflow installed.
# Only PyPI is needed (no constraints file).
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
read -r -a versions <<<"${AIRFLOW_VERSIONS:-3.3.2 2.10.5}"
source scripts/built_wheel.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$SECONDS

install() {  # install VERSION VENV
    local version=$1 venv=$2 tools=()
    [ "$version" = "${versions[0]}" ] && tools=("mypy>=1.13,<2")
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet "apache-airflow==$version" "${wheel}[airflow]" \
        "pytest>=8,<10" "${tools[@]}"
}

echo "==> installing apache-airflow ${versions[*]} with $(basename "$wheel")"
pids=()
for version in "${versions[@]}"; do
    install "$version" ".venv-airflow-$version" >"$work/install-$version.log" 2>&1 &
    pids+=($!)
done
for i in "${!versions[@]}"; do
    if ! wait "${pids[$i]}"; then
        echo "installing apache-airflow==${versions[$i]} failed:" >&2
        tail -40 "$work/install-${versions[$i]}.log" >&2
        exit 1
    fi
done
echo "    installed in $((SECONDS - start)) s"

for version in "${versions[@]}"; do
    venv=.venv-airflow-$version
    echo "==> Airflow $("$venv/bin/python" -c 'import airflow; print(airflow.__version__)')"
    home="$work/home-$version"
    mkdir -p "$home"
    export AIRFLOW_HOME=$home AIRFLOW__CORE__LOAD_EXAMPLES=False
    "$venv/bin/airflow" db migrate >"$work/migrate-$version.log" 2>&1 || {
        tail -40 "$work/migrate-$version.log" >&2
        exit 1
    }
    if [ "$version" = "${versions[0]}" ]; then
        echo "==> mypy --strict with Airflow $version"
        "$venv/bin/mypy" --strict python/segment_sendgrid/airflow \
            tests/airflow_e2e/*.py tests/airflow_e2e/dags/*.py
    fi
    echo "==> pytest tests/airflow_e2e with Airflow $version"
    "$venv/bin/python" -m pytest -q -p no:cacheprovider -W ignore::DeprecationWarning \
        tests/airflow_e2e tests/test_airflow_common.py "$@"
    unset AIRFLOW_HOME
done
echo "==> Airflow tests done in $((SECONDS - start)) s"
