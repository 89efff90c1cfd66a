"""The key stays out of everything Spark shows, and sends refuse under speculation.

One Spark application in a process of its own (``spark_job.py``), so that all it prints,
the JVM's log included, and its event log can be searched for the key.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from segment_sendgrid.testing import FakeSendGrid

JOB = Path(__file__).with_name("spark_job.py")


def test_the_key_appears_in_no_output_plan_or_event_log(
    fake: FakeSendGrid, spark_key: str, tmp_path: Path
) -> None:
    template = fake.add_template("Welcome")
    events = tmp_path / "events"
    events.mkdir()
    env = dict(os.environ, SENDGRID_API_KEY=spark_key)
    done = subprocess.run(
        [sys.executable, str(JOB), fake.url, template, events.as_uri()],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert "UPSERTED" in done.stdout
    assert len(fake.contacts()) == 2_000  # the key did reach the executors
    assert "== Physical Plan ==" in done.stdout  # explain() printed
    assert "INFO" in done.stderr  # Spark's own log, at INFO
    assert spark_key not in output
    logs = [path.read_text(errors="replace") for path in events.rglob("*") if path.is_file()]
    assert logs
    assert "SparkListenerSQLExecutionStart" in "".join(logs)
    assert not any(spark_key in text for text in logs)
    # The write's own plan is among what was searched.
    assert "== Physical Plan ==\\nAppendData" in "".join(logs)  # (4.0 names no provider)
    # Speculation would run copies of slow tasks: a send refuses before any mail goes.
    assert "SEND REFUSED" in done.stdout
    assert "spark.speculation=true" in done.stdout
    assert "resend_on_task_retry" in done.stdout
    assert fake.messages() == []


@pytest.mark.parametrize("name", ["api_key", "API_KEY", "apiKey", "password"])
def test_a_key_given_as_an_option_is_refused_without_showing_it(
    spark: SparkSession, fake: FakeSendGrid, name: str
) -> None:
    secret = "SG.given-as-an-option-0123456789"
    frame = spark.range(3).selectExpr("named_struct('email', 'a@example.com') AS traits")
    writer = frame.write.format("sendgrid").option("action", "upsert_contacts")
    with pytest.raises(Exception, match="api_key_env") as caught:
        writer.option("endpoint", fake.url).option(name, secret).mode("append").save()
    assert secret not in str(caught.value)
    assert fake.requests() == []


def test_a_missing_key_on_the_executors_names_the_variable(
    spark: SparkSession, fake: FakeSendGrid
) -> None:
    frame = spark.range(3).selectExpr("named_struct('email', 'a@example.com') AS traits")
    writer = frame.write.format("sendgrid").option("action", "upsert_contacts")
    with pytest.raises(Exception, match="SENDGRID_KEY_NOT_SET_HERE is not set on this executor"):
        writer.option("endpoint", fake.url).option("api_key_env", "SENDGRID_KEY_NOT_SET_HERE").mode(
            "append"
        ).save()
    assert fake.contacts() == []


def test_the_key_can_come_from_a_file(
    spark: SparkSession, fake: FakeSendGrid, spark_key: str, tmp_path: Path
) -> None:
    key_file = tmp_path / "sendgrid.key"
    key_file.write_text(spark_key + "\n")
    frame = spark.range(3).selectExpr(
        "named_struct('email', concat('f', id, '@example.com')) AS traits"
    )
    writer = frame.write.format("sendgrid").option("action", "upsert_contacts")
    writer.option("endpoint", fake.url).option("api_key_file", str(key_file)).mode("append").save()
    assert len(fake.contacts()) == 3


def test_a_wrong_key_fails_the_write_without_showing_it(
    spark: SparkSession, fake: FakeSendGrid, tmp_path: Path
) -> None:
    wrong = "SG.wrong-key-for-this-account-42"
    key_file = tmp_path / "sendgrid.key"
    key_file.write_text(wrong)
    summary = tmp_path / "summary.json"
    frame = spark.range(3).selectExpr(
        "named_struct('email', concat('w', id, '@example.com')) AS traits"
    )
    writer = frame.write.format("sendgrid").option("action", "upsert_contacts")
    writer = writer.option("endpoint", fake.url).option("api_key_file", str(key_file))
    with pytest.raises(Exception, match="AuthenticationError") as caught:
        writer.option("summary_path", str(summary)).mode("append").save()
    assert wrong not in str(caught.value)
    assert fake.contacts() == []
    # Spark aborted the write: its summary says so.
    assert '"committed": false' in summary.read_text()
