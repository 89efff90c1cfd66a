"""The ``sendgrid`` Python Data Source (PySpark 4.0+): Spark's classes over ``_task`` and
``_summary``.

Spark builds the writer on the driver (options checked there, before any task), pickles it
to every task, where ``write`` gets the partition as Arrow record batches
(``DataSourceArrowWriter``), and calls ``commit`` or ``abort`` on the driver with what the
tasks returned.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pyspark.sql.datasource import DataSource, DataSourceArrowWriter, WriterCommitMessage
from pyspark.sql.types import StructType

from segment_sendgrid.spark._options import WriteOptions, parse_options
from segment_sendgrid.spark._summary import finish, summarize
from segment_sendgrid.spark._task import TaskOutcome, run_task

__all__ = ["SendGridDataSource", "SendGridWriter"]


@dataclass
class _Committed(WriterCommitMessage):
    outcome: TaskOutcome


class SendGridDataSource(DataSource):
    """``df.write.format("sendgrid")``: upserts contacts or sends Dynamic Template mail,
    one ``Client`` run per partition. Register it with
    ``spark.dataSource.register(SendGridDataSource)``; the options are in README."""

    @classmethod
    def name(cls) -> str:
        return "sendgrid"

    def writer(self, schema: StructType, overwrite: bool) -> SendGridWriter:
        return SendGridWriter(parse_options(self.options))


class SendGridWriter(DataSourceArrowWriter):
    """Made on the driver, pickled to the tasks: it holds the parsed options (no key)."""

    def __init__(self, options: WriteOptions) -> None:
        self.options = options
        # Names this write's dead-letter files, so commit can tell them from others'.
        self.job = f"sendgrid-{uuid.uuid4().hex[:12]}"

    def write(self, iterator: Iterator[Any]) -> WriterCommitMessage:
        return _Committed(run_task(self.options, self.job, iterator))

    def commit(self, messages: list[WriterCommitMessage | None]) -> None:
        self._finish(messages, committed=True)

    def abort(self, messages: list[WriterCommitMessage | None]) -> None:
        self._finish(messages, committed=False)

    def _finish(self, messages: list[WriterCommitMessage | None], committed: bool) -> None:
        outcomes = [m.outcome if isinstance(m, _Committed) else None for m in messages]
        summary = summarize(self.options.action, self.job, outcomes, committed)
        finish(summary, self.options.failed_path, self.options.summary_path)
