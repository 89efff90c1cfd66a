"""Upserts through ``df.write.format("sendgrid")``: every valid contact stored exactly
once, the invalid rows in ``failed_path``, one merged report that adds up."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from spark_writes import save

from segment_sendgrid.spark import read_report
from segment_sendgrid.testing import FakeSendGrid

ROWS = 200_000
PARTITIONS = 8
# 25 rows spread over the partitions, each with an email SendGrid would refuse.
INVALID = sorted({(i * 7_993 + 11) % ROWS for i in range(25)})


def contacts(spark: SparkSession, rows: int = ROWS) -> DataFrame:
    frame = spark.range(0, rows, 1, PARTITIONS)
    email = F.concat(F.lit("user"), F.col("id").cast("string"), F.lit("@example.com"))
    invalid = F.col("id").isin(INVALID)
    return frame.select(
        F.col("id"),
        F.lit("identify").alias("type"),
        F.struct(
            F.when(invalid, F.concat(F.lit("not-an-email-"), F.col("id")))
            .otherwise(email)
            .alias("email"),
            F.lit("Zoë").alias("first_name"),
            F.concat(F.lit("City "), (F.col("id") % 97).cast("string")).alias("city"),
        ).alias("traits"),
    )


def test_every_valid_contact_stored_once_and_the_invalid_rows_dead_lettered(
    spark: SparkSession, fake: FakeSendGrid, tmp_path: Path
) -> None:
    failed, summary = tmp_path / "failed", tmp_path / "summary.json"
    save(
        contacts(spark),
        fake,
        action="upsert_contacts",
        failed_path=str(failed),
        summary_path=str(summary),
        max_concurrency=2,
    )

    stored = fake.contacts()
    emails = [contact["email"] for contact in stored]
    assert len(emails) == ROWS - len(INVALID) == len(set(emails))
    # Each contact went out in exactly one request: created once, never updated.
    results = [job["results"] for job in fake.import_jobs()]
    assert sum(result["requested_count"] for result in results) == ROWS - len(INVALID)
    assert sum(result["updated_count"] for result in results) == 0

    report = read_report(str(summary))
    assert (report.total, report.accepted, len(report.failed)) == (ROWS, ROWS - 25, 25)
    # spark.range numbers rows in partition order: the merged index is the row's id.
    assert [failure.index for failure in report.failed] == INVALID
    # SendGrid refuses them (400); the client isolates each from its request.
    assert {(f.outcome, f.field, f.status_code) for f in report.failed} == {
        ("rejected", "primary_email", 400)
    }
    # One request per partition of 25,000 contacts (under SendGrid's 30,000): full batches.
    assert len(report.job_ids) == PARTITIONS

    dead = pq.read_table(failed)
    assert sorted(dead.column("id").to_pylist()) == INVALID
    reasons = dead.column("_sendgrid_failure").to_pylist()
    assert all(
        reason["outcome"] == "rejected" and "email" in reason["reason"] for reason in reasons
    )
    assert dead.column("traits").to_pylist()[0]["first_name"] == "Zoë"

    data = json.loads(summary.read_text())
    assert data["committed"] is True
    assert sorted(task["partition"] for task in data["tasks"]) == list(range(PARTITIONS))
    assert sum(task["total"] for task in data["tasks"]) == ROWS
    assert len(data["failed_files"]) == len(list(failed.iterdir())) <= PARTITIONS


def test_a_rerun_of_the_dead_letters_takes_them(
    spark: SparkSession, fake: FakeSendGrid, tmp_path: Path
) -> None:
    failed = tmp_path / "failed"
    save(contacts(spark, 4_000), fake, action="upsert_contacts", failed_path=str(failed))
    # The rows are fixed and written back without the failure column.
    retry = spark.read.parquet(str(failed)).drop("_sendgrid_failure")
    fixed = retry.withColumn(
        "traits",
        F.col("traits").withField("email", F.concat(F.col("traits.email"), F.lit("@ok.example"))),
    )
    summary = tmp_path / "rerun.json"
    save(fixed, fake, action="upsert_contacts", summary_path=str(summary))
    report = read_report(str(summary))
    assert report.total == report.accepted == len([i for i in INVALID if i < 4_000])


@pytest.mark.parametrize("empty_partitions", [True])
def test_empty_partitions_need_no_key_and_report_nothing(
    spark: SparkSession, fake: FakeSendGrid, tmp_path: Path, empty_partitions: bool
) -> None:
    summary = tmp_path / "summary.json"
    frame = contacts(spark, 3).repartition(8)  # most partitions empty
    save(frame, fake, action="upsert_contacts", summary_path=str(summary))
    report = read_report(str(summary))
    assert (report.total, report.accepted, report.failed) == (3, 3, [])
    assert len(fake.contacts()) == 3
