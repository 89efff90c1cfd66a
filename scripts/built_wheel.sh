# Sourced by the integration scripts (test_airflow.sh, test_spark.sh): sets `wheel` to the one
# wheel scripts/test.sh built in dist/, or stops saying how to make it.
shopt -s nullglob
wheels=(dist/segment_sendgrid-*.whl)
if [ "${#wheels[@]}" -ne 1 ]; then
    echo "expected one wheel in dist/, found ${#wheels[@]}: run ./scripts/test.sh first" >&2
    exit 1
fi
wheel=${wheels[0]}
