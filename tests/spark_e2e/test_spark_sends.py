"""Sends through ``df.write.format("sendgrid")``: merged into full requests, an ambiguous
answer reported ``unknown`` (never resent), and a task Spark runs again refusing to send
its partition's mail a second time."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from pyspark import cloudpickle
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from spark_writes import save

from segment_sendgrid.spark import read_report
from segment_sendgrid.testing import FakeSendGrid

SEND = "/v3/mail/send"
MAILS = 5_000
ACTIVE = [{"subject": "Hi {{name}}", "html_content": "<p>{{plan}}</p>", "active": True}]

# The UDF below runs on the executors, which cannot import this module: ship it by value.
cloudpickle.register_pickle_by_value(sys.modules[__name__])  # type: ignore[no-untyped-call]


def mails(spark: SparkSession, partitions: int) -> DataFrame:
    frame = spark.range(0, MAILS, 1, partitions)
    return frame.select(
        F.col("id"),
        F.struct(
            F.concat(F.lit("person"), F.col("id").cast("string"), F.lit("@example.com")).alias(
                "email"
            ),
            F.struct(F.lit("pro").alias("plan"), F.col("id").alias("n")).alias("data"),
        ).alias("properties"),
    )


def mapping(template: str) -> str:
    return json.dumps(
        {
            "from": {"email": "shop@example.com"},
            "template_id": template,
            "dynamic_template_data": {"@path": "$.properties.data"},
        }
    )


def recipients(fake: FakeSendGrid) -> Counter[str]:
    return Counter(
        to["email"]
        for message in fake.messages()
        for personalization in message["body"]["personalizations"]
        for to in personalization["to"]
    )


def send(frame: DataFrame, fake: FakeSendGrid, template: str, **options: Any) -> None:
    save(frame, fake, action="send_dynamic_templates", mapping=mapping(template), **options)


def test_mails_are_merged_into_full_requests(
    spark: SparkSession, fake: FakeSendGrid, tmp_path: Path
) -> None:
    template = fake.add_template("Welcome", versions=ACTIVE)
    summary = tmp_path / "summary.json"
    send(mails(spark, 5), fake, template, summary_path=str(summary))

    assert recipients(fake) == Counter(f"person{i}@example.com" for i in range(MAILS))
    posts = [r for r in fake.requests() if r["path"] == SEND]
    assert len(posts) == 5  # 1,000 personalizations per partition, one request each
    report = read_report(str(summary))
    assert (report.total, report.accepted, report.failed) == (MAILS, MAILS, [])
    assert len(report.message_ids) == MAILS
    assert all(report.message_ids)


def test_an_answer_lost_after_sending_is_unknown_and_not_resent(
    spark: SparkSession, fake: FakeSendGrid, tmp_path: Path
) -> None:
    template = fake.add_template("Welcome", versions=ACTIVE)
    fake.fail_next(SEND, 500, after_processing=True)  # one task's request: sent, then 500
    summary, failed = tmp_path / "summary.json", tmp_path / "failed"
    send(mails(spark, 8), fake, template, summary_path=str(summary), failed_path=str(failed))

    # Every mail went out exactly once, the ambiguous ones included.
    assert recipients(fake) == Counter(f"person{i}@example.com" for i in range(MAILS))
    report = read_report(str(summary))
    assert report.total == MAILS
    assert len(report.failed) == MAILS // 8  # the one request's 625 mails
    assert {(f.outcome, f.status_code) for f in report.failed} == {("unknown", 500)}
    assert report.accepted == MAILS - MAILS // 8
    dead = pq.read_table(failed)
    assert sorted(dead.column("id").to_pylist()) == [f.index for f in report.failed]


def fails_on_first_attempt(email: str) -> str:
    """Fails the first attempt of the task holding person4800, late in its partition."""
    from pyspark import TaskContext

    context = TaskContext.get()
    if email == "person4800@example.com" and context is not None and context.attemptNumber() == 0:
        raise RuntimeError("injected executor failure")
    return email


def flaky(spark: SparkSession) -> DataFrame:
    frame = mails(spark, 2)  # partition 1 holds 2,500..4,999
    email = F.udf(fails_on_first_attempt, "string")("properties.email")
    return frame.withColumn("properties", F.col("properties").withField("email", email))


def test_a_retried_send_task_refuses_and_names_the_option(
    spark: SparkSession, fake: FakeSendGrid
) -> None:
    template = fake.add_template("Welcome", versions=ACTIVE)
    with pytest.raises(Exception, match="resend_on_task_retry") as caught:
        send(flaky(spark), fake, template)
    assert "attempt 2" in str(caught.value)
    # Whatever the first attempt sent, nobody got a mail twice; the job stopped short.
    sent = recipients(fake)
    assert max(sent.values()) == 1
    assert 2_500 <= len(sent) < MAILS
    print("sent before the refusal:", len(sent))


def test_resend_on_task_retry_lets_spark_run_it_again(
    spark: SparkSession, fake: FakeSendGrid, tmp_path: Path
) -> None:
    template = fake.add_template("Welcome", versions=ACTIVE)
    summary = tmp_path / "summary.json"
    send(flaky(spark), fake, template, resend_on_task_retry=True, summary_path=str(summary))
    data = json.loads(summary.read_text())
    assert [(t["partition"], t["attempt"]) for t in data["tasks"]] == [(0, 0), (1, 1)]
    report = read_report(str(summary))
    assert (report.total, report.accepted) == (MAILS, MAILS)
    # Everyone got the mail; the first attempt's recipients may have got it twice.
    assert set(recipients(fake)) == {f"person{i}@example.com" for i in range(MAILS)}
