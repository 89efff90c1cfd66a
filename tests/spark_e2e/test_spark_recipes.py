"""README's recipe for Spark 3.4+ without the data source: ``mapInArrow`` over the same
Arrow path, one report per partition merged on the driver."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from pyspark.sql import SparkSession

from segment_sendgrid.partitions import merge_reports
from segment_sendgrid.testing import FakeSendGrid


def test_map_in_arrow_recipe(spark: SparkSession, fake: FakeSendGrid) -> None:
    endpoint = fake.url

    # --- as in README ---
    def upsert_batches(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        from segment_sendgrid import Client
        from segment_sendgrid.partitions import arrow_stream

        stream = arrow_stream(batches)  # None for an empty partition
        if stream is not None:
            report = Client(endpoint=endpoint).upsert_contacts(stream)  # key: SENDGRID_API_KEY
            yield pa.RecordBatch.from_pylist([{"report": json.dumps(report.to_dict())}])

    frame = spark.range(0, 10_000, 1, 4).selectExpr(
        "named_struct('email', if(id = 77, 'bad', concat('r', id, '@example.com'))) AS traits"
    )
    parts = frame.mapInArrow(upsert_batches, "report string").collect()
    report = merge_reports(json.loads(row.report) for row in parts)
    # --- end ---

    assert (report["total"], report["accepted"], report["partitions"]) == (10_000, 9_999, 4)
    assert len(fake.contacts()) == 9_999
    (failure,) = report["failed"]
    assert failure["outcome"] == "rejected"
    assert "bad" in failure["reason"]
