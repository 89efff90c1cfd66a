"""Apache Spark: the ``sendgrid`` data source. ``pip install 'segment-sendgrid[spark]'``
(PySpark 4.0 or later)::

    from segment_sendgrid.spark import SendGridDataSource, read_report

    spark.dataSource.register(SendGridDataSource)
    (df.write.format("sendgrid")
       .option("action", "upsert_contacts")      # or "send_dynamic_templates"
       .option("failed_path", "s3://bucket/sendgrid/failed/")
       .option("summary_path", "/tmp/sendgrid-summary.json")
       .mode("append").save())
    report = read_report("/tmp/sendgrid-summary.json")

The executors read the API key from ``SENDGRID_API_KEY`` (or the variable the option
``api_key_env`` names, or the file ``api_key_file`` names); it is never an option. Each
partition is one run of the Arrow table path; a send task that Spark runs a second time
refuses rather than send mail twice. The options and guarantees are in README.

``SendGridDataSource`` loads lazily (it imports PySpark); :func:`read_report` does not.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from segment_sendgrid.spark._summary import read_report
from segment_sendgrid.spark._task import TaskRetryRefused

if TYPE_CHECKING:
    from segment_sendgrid.spark._datasource import SendGridDataSource

__all__ = ["SendGridDataSource", "TaskRetryRefused", "read_report"]


def __getattr__(name: str) -> Any:
    if name != "SendGridDataSource":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = importlib.import_module("segment_sendgrid.spark._datasource").SendGridDataSource
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
