"""The driver's side of a write: the tasks' reports merged into one, kept and logged.

Spark calls ``commit`` (every task succeeded) or ``abort`` (some failed) on the driver with
the tasks' ``TaskOutcome``\\ s, in a Python worker of its own, so the merged report cannot be
returned to the caller's process: it is logged, and written as JSON to ``summary_path``,
which :func:`read_report` turns back into a ``BatchReport``.

The partitions are the consecutive parts of the DataFrame, so the merged report is one
report of the whole input: a failure's ``index`` is its row's position in the DataFrame
(partition by partition, as ``df.rdd.zipWithIndex()`` counts) and it names its
``partition``. ``accepted + len(failed) == total`` holds for a committed write.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Sequence
from typing import Any

from segment_sendgrid._native import BatchReport
from segment_sendgrid.partitions import merge_reports, report_from_dict
from segment_sendgrid.spark._dead_letters import filesystem_of, list_files, remove_files

__all__ = ["finish", "read_report", "summarize"]

logger = logging.getLogger("segment_sendgrid.spark")


def summarize(action: str, job: str, outcomes: Sequence[Any], committed: bool) -> dict[str, Any]:
    """The summary of a write from its tasks' outcomes (``None`` for a failed task)."""
    done = sorted((o for o in outcomes if o is not None), key=lambda o: o.partition)
    report = merge_reports(
        (dict(o.report, partition=o.partition) for o in done), renumber=committed
    )
    tasks = []
    offset = 0
    for outcome in done:
        tasks.append(
            {
                "partition": outcome.partition,
                "attempt": outcome.attempt,
                "offset": offset,
                "total": outcome.report["total"],
                "accepted": outcome.report["accepted"],
                "failed": len(outcome.report["failed"]),
                "requests": outcome.report["requests"],
                "retries": outcome.report["retries"],
                "failed_file": outcome.failed_file,
            }
        )
        offset += outcome.report["total"]
    return {
        "action": action,
        "job": job,
        "committed": committed,
        "tasks_failed": len(outcomes) - len(done),
        "failed_files": [task["failed_file"] for task in tasks if task["failed_file"]],
        "report": report,
        "tasks": tasks,
    }


def finish(summary: dict[str, Any], failed_path: str | None, summary_path: str | None) -> None:
    """Tidies the dead letters, writes and logs the summary."""
    if summary["committed"] and failed_path is not None:
        # Files of attempts Spark did not commit hold rows their task's next attempt
        # reported again; only the committed attempts' files stay.
        kept = set(summary["failed_files"])
        stale = [path for path in list_files(failed_path, summary["job"]) if path not in kept]
        remove_files(stale)
    if summary_path is not None:
        _write_json(summary_path, summary)
    _log(summary, summary_path)


def _write_json(path: str, summary: dict[str, Any]) -> None:
    text = json.dumps(summary, indent=1).encode()
    filesystem, local = filesystem_of(path)
    parent = local.rsplit("/", 1)[0]
    if parent:
        filesystem.create_dir(parent, recursive=True)
    with filesystem.open_output_stream(local) as stream:
        stream.write(text)


def _log(summary: dict[str, Any], summary_path: str | None) -> None:
    report = summary["report"]
    line = (
        f"sendgrid {summary['action']} {'committed' if summary['committed'] else 'ABORTED'}: "
        f"{report['total']:,} records in {report['partitions']} tasks, "
        f"{report['accepted']:,} accepted, {len(report['failed']):,} failed, "
        f"{report['requests']:,} requests ({report['retries']:,} retries)"
    )
    if summary["tasks_failed"]:
        line += f"; {summary['tasks_failed']} tasks failed"
    if summary["failed_files"]:
        line += f"; failed rows in {len(summary['failed_files'])} files"
    if summary_path:
        line += f"; summary in {summary_path}"
    level = logging.INFO if summary["committed"] and not report["failed"] else logging.WARNING
    if logging.getLogger().handlers or logger.handlers:
        logger.log(level, line)
    else:
        # Spark calls commit in a worker process nobody configured logging in; its stderr
        # goes to the driver's log.
        print(line, file=sys.stderr, flush=True)


def read_report(summary_path: str) -> BatchReport:
    """The merged ``BatchReport`` of a write from its ``summary_path`` JSON (a local path;
    the summary is plain JSON, read elsewhere with any client of that storage)."""
    with open(summary_path, encoding="utf-8") as file:
        summary = json.load(file)
    return report_from_dict(summary["report"])
