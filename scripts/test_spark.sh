#!/usr/bin/env bash
# The Spark integration in a real Spark (local mode, a JVM of its own). Needs the wheel that
# scripts/test.sh built in dist/, and Java 17 or later (Spark 4 runs on it). Makes a fresh
# virtual environment .venv-spark with the pinned PySpark and `<wheel>[spark]`, type-checks
# segment_sendgrid.spark and tests/spark_e2e with PySpark installed, then runs pytest
# tests/spark_e2e: the `sendgrid` data source and the mapInArrow recipe against an emulator
# on 127.0.0.1. About two minutes on two cores once PyPI's PySpark is cached.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
pyspark=${PYSPARK_VERSION:-4.3.0}
start=$SECONDS

if ! command -v java >/dev/null 2>&1; then
    echo "Spark needs Java 17 or later and none is on PATH: install it (Debian/Ubuntu:" \
        "apt-get install openjdk-17-jre-headless) or set JAVA_HOME, then run again" >&2
    exit 1
fi
java_version=$(java -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')
if [ "${java_version%%.*}" -lt 17 ] 2>/dev/null; then
    echo "Spark $pyspark needs Java 17 or later; java on PATH is $java_version" >&2
    exit 1
fi

source scripts/built_wheel.sh

venv=.venv-spark
echo "==> installing pyspark==$pyspark with $(basename "$wheel") (Java $java_version)"
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
# PySpark 4.x warns that it does not yet support pandas 3.
"$venv/bin/python" -m pip install --quiet "pyspark==$pyspark" "pandas>=2.2,<3" \
    "${wheel}[spark]" "pytest>=8,<10" "mypy>=1.13,<2"
echo "    installed in $((SECONDS - start)) s"

echo "==> mypy --strict with PySpark installed"
"$venv/bin/mypy" --strict python/segment_sendgrid/spark benchmarks/spark.py tests/spark_e2e/*.py

echo "==> pytest tests/spark_e2e (Spark local mode)"
export PYSPARK_PYTHON="$PWD/$venv/bin/python"
"$venv/bin/python" -m pytest -q -p no:cacheprovider tests/spark_e2e "$@"
echo "    Spark part done in $((SECONDS - start)) s"
