"""One Spark task of the ``sendgrid`` data source, on an executor.

A task is one partition: its Arrow batches stream into one ``Client`` run (the table path:
no Python object per row), and its report goes back to the driver as the commit message.
What the task must guarantee:

* **The key stays on the executors.** It is read here, from the environment variable the
  options name or a file, never from the options or the plan.
* **No mail sent twice by Spark.** Spark runs a task again after a failure (and runs copies
  of slow tasks under ``spark.speculation``); an earlier attempt may have sent some of the
  partition's mail already. A send task that is not the first attempt, or runs under
  speculation, refuses before sending unless the user chose ``resend_on_task_retry``.
  Upserts are idempotent: a retried task simply upserts again.
* **Nothing lost.** The report accounts for every row; failed rows go to ``failed_path``,
  also when the run stops with an error (then with the error's partial report).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from segment_sendgrid._native import BatchReport, Client
from segment_sendgrid.errors import ConfigError, SendGridError
from segment_sendgrid.partitions import arrow_stream
from segment_sendgrid.spark._dead_letters import RowKeeper, write_dead_letters
from segment_sendgrid.spark._options import WriteOptions
from segment_sendgrid.types import BatchReportDict

__all__ = ["TaskOutcome", "TaskRetryRefused", "run_task"]

logger = logging.getLogger("segment_sendgrid.spark")


class TaskRetryRefused(SendGridError):
    """A send task refused to run again: an earlier attempt may have sent its mail."""


@dataclass
class TaskOutcome:
    """What a task tells the driver: which partition and attempt, its report (failure
    indices relative to the partition) and its dead-letter file, if any."""

    partition: int
    attempt: int
    report: BatchReportDict
    failed_file: str | None = None


def read_api_key(options: WriteOptions) -> str:
    """The key, from ``api_key_file`` if given, else the ``api_key_env`` variable."""
    if options.api_key_file is not None:
        try:
            with open(options.api_key_file, encoding="utf-8") as file:
                key = file.read().strip()
        except OSError as error:
            raise ConfigError(
                f"api_key_file: cannot read {options.api_key_file} on this executor "
                f"({error.strerror})"
            ) from None
        if not key:
            raise ConfigError(f"api_key_file: {options.api_key_file} is empty")
        return key
    key = os.environ.get(options.api_key_env, "").strip()
    if not key:
        raise ConfigError(
            f"the environment variable {options.api_key_env} is not set on this executor: "
            "the sendgrid data source reads the API key there (set it in the executors' "
            "environment, e.g. with your cluster's secrets), or name another variable with "
            "the option api_key_env, or a file with api_key_file"
        )
    return key


def _refuse_resend(context: Any, options: WriteOptions, partition: int, attempt: int) -> None:
    if options.action != "send_dynamic_templates" or options.resend_on_task_retry:
        return
    override = (
        "set the option resend_on_task_retry to true to send anyway (recipients may get "
        "the same mail twice)"
    )
    speculation = context is not None and context.getLocalProperty("spark.speculation")
    if str(speculation).lower() == "true":
        raise TaskRetryRefused(
            "refusing to send mail with spark.speculation=true: Spark may run a copy of a "
            "slow task beside it, and both copies would send the same mail. Turn "
            f"speculation off for this job, or {override}."
        )
    if attempt > 0:
        raise TaskRetryRefused(
            f"refusing to send the mail of partition {partition} again: this is attempt "
            f"{attempt + 1} of its task, and an earlier attempt may have sent part of it "
            "(see its dead-letter file and the write's summary). Rerun the records that were "
            f"not sent, or {override}."
        )


def _where() -> tuple[Any, int, int]:
    from pyspark import TaskContext

    context = TaskContext.get()
    if context is None:
        return None, 0, 0
    return context, context.partitionId(), context.attemptNumber()


def _dead_letters(
    options: WriteOptions, job: str, partition: int, attempt: int, rows: RowKeeper, report: Any
) -> str | None:
    failures = report["failed"]
    if options.failed_path is None or not failures:
        return None
    name = f"{job}-part-{partition:05d}-attempt-{attempt}.parquet"
    return write_dead_letters(options.failed_path, name, partition, rows, failures)


def run_task(options: WriteOptions, job: str, batches: Iterator[Any]) -> TaskOutcome:
    """Runs the action over one partition's record batches."""
    context, partition, attempt = _where()
    _refuse_resend(context, options, partition, attempt)
    rows = RowKeeper()
    try:
        stream = arrow_stream(rows.keep(batches) if options.failed_path else batches)
        if stream is None:  # an empty partition: nothing to send, no key needed
            return TaskOutcome(partition, attempt, BatchReport().to_dict())
        client = Client(read_api_key(options), **options.client)
        run = dict(options.run)
        if run.get("dry_run"):
            run["on_request_body"] = _discard  # counts only: bodies would fill the message
        try:
            report = getattr(client, options.action)(stream, **run).to_dict()
        except BaseException as error:
            partial = getattr(error, "report", None)
            if partial is not None:
                try:
                    written = _dead_letters(
                        options, job, partition, attempt, rows, partial.to_dict()
                    )
                except Exception as failure:  # the run's own error is the one to raise
                    logger.error("partition %d: dead letters not written: %s", partition, failure)
                    written = None
                logger.error(
                    "partition %d attempt %d stopped: %s; %d of %d records accepted%s",
                    partition,
                    attempt,
                    type(error).__name__,
                    partial.accepted,
                    partial.total,
                    f", the others written to {written}" if written else "",
                )
            raise
        failed_file = _dead_letters(options, job, partition, attempt, rows, report)
        logger.info(
            "partition %d: %d records, %d accepted, %d failed, %d requests",
            partition,
            report["total"],
            report["accepted"],
            len(report["failed"]),
            report["requests"],
        )
        return TaskOutcome(partition, attempt, report, failed_file)
    finally:
        rows.close()


def _discard(body: str) -> None:
    return None
