"""Writing a DataFrame to the ``sendgrid`` data source, for the Spark tests."""

from __future__ import annotations

from typing import Any

from pyspark.sql import DataFrame

from segment_sendgrid.testing import FakeSendGrid


def save(frame: DataFrame, fake: FakeSendGrid, **options: Any) -> None:
    """``frame.write.format("sendgrid")`` to ``fake`` with ``options``, appended."""
    writer = frame.write.format("sendgrid").option("endpoint", fake.url)
    for name, value in options.items():
        writer = writer.option(name, value)
    writer.mode("append").save()
