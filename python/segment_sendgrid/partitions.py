"""Run batches from Dask or Spark workers, one partition at a time, and merge the reports.

A ``Client`` pickles by configuration (key included), so the driver builds one and the
framework ships it to every task; each worker process unpickles its own client with its
own connection pool. Each partition returns its report as a dict; the driver merges them::

    import dask.bag as db
    from segment_sendgrid.partitions import merge_reports, upsert_partition

    bag = db.from_sequence(enumerate(events), npartitions=8)   # (index, event) pairs
    parts = bag.map_partitions(
        lambda part, client: [upsert_partition(part, client, indexed=True)], client
    ).compute()
    report = merge_reports(parts)

A partition may also be a table (a pandas partition of a Dask DataFrame, a pyarrow table):
its rows go through the Arrow path, and with ``indexed=True`` a pandas frame's index labels
are the failures' indices. With ``indexed=True`` the records are ``(index, event)`` pairs
and failures carry that index, so merged reports point at the original records; otherwise
failure indices are relative to the partition. Merged failures also name their
``partition``. Spark's ``mapInArrow`` hands a partition over as an iterator of record
batches: :func:`arrow_stream` makes it one table stream.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any

from segment_sendgrid._native import BatchReport, Client, ImportJob, RecordFailure
from segment_sendgrid.types import BatchReportDict

__all__ = [
    "arrow_stream",
    "merge_reports",
    "report_from_dict",
    "send_partition",
    "upsert_partition",
]

_SUMMED = ("total", "accepted", "requests", "retries", "removed", "not_removed", "deleted")
_CONCATENATED = ("job_ids", "message_ids", "imports")


def _is_table(records: object) -> bool:
    return hasattr(records, "__arrow_c_stream__") or hasattr(records, "__arrow_c_array__")


def _split(records: Iterable[Any], indexed: bool) -> tuple[list[int] | None, Any]:
    if _is_table(records):
        # A pandas frame's index labels are its rows' positions in the whole frame.
        labels = getattr(records, "index", None) if indexed else None
        if callable(labels):  # not a pandas index (pyarrow's ``index`` is a method)
            labels = None
        return (None if labels is None else [int(label) for label in labels]), records
    if not indexed:
        return None, list(records)
    indices: list[int] = []
    events: list[Any] = []
    for pair in records:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ValueError("indexed=True expects (index, event) pairs")
        indices.append(int(pair[0]))
        events.append(pair[1])
    return indices, events


def _reindex(report: BatchReportDict, indices: list[int] | None) -> BatchReportDict:
    if indices is not None:
        for failure in report["failed"]:
            failure["index"] = indices[failure["index"]]
    return report


def upsert_partition(
    records: Iterable[Any], client: Client, *, indexed: bool = False, **options: Any
) -> BatchReportDict:
    """``client.upsert_contacts`` over one partition; ``options`` as in that method."""
    indices, events = _split(records, indexed)
    return _reindex(client.upsert_contacts(events, **options).to_dict(), indices)


def send_partition(
    records: Iterable[Any], client: Client, *, indexed: bool = False, **options: Any
) -> BatchReportDict:
    """``client.send_dynamic_templates`` over one partition; ``options`` as in that method."""
    indices, events = _split(records, indexed)
    return _reindex(client.send_dynamic_templates(events, **options).to_dict(), indices)


def arrow_stream(batches: Iterable[Any]) -> Any | None:
    """An iterable of pyarrow ``RecordBatch`` (what Spark's ``mapInArrow`` gives a task) as
    one ``pyarrow.RecordBatchReader``, read lazily; ``None`` when there is no batch.

    Needs pyarrow (imported here, not on ``import segment_sendgrid``).
    """
    import pyarrow as pa

    batches = iter(batches)
    first = next(batches, None)
    if first is None:
        return None
    return pa.RecordBatchReader.from_batches(first.schema, itertools.chain([first], batches))


def merge_reports(
    reports: Iterable[Mapping[str, Any]], *, renumber: bool = False
) -> dict[str, Any]:
    """One report from the partitions' reports (``BatchReport.to_dict()`` shape).

    Counts are summed and lists concatenated; each failure gains ``partition`` (its
    report's own ``partition`` key, else its position) and the failures are sorted by
    index, then partition. With ``renumber=True`` the reports are the consecutive parts of
    one input, in order: a failure's index becomes its position in that input (the totals
    of the reports before it added), so the result is one report of the whole input.
    """
    merged: dict[str, Any] = {key: 0 for key in _SUMMED}
    merged.update({key: [] for key in _CONCATENATED})
    merged["failed"] = []
    merged["partitions"] = 0
    for number, report in enumerate(reports):
        offset = merged["total"] if renumber else 0
        partition = report.get("partition", number)
        merged["partitions"] += 1
        for key in _SUMMED:
            merged[key] += int(report.get(key) or 0)
        for key in _CONCATENATED:
            merged[key].extend(report.get(key) or [])
        for failure in report.get("failed") or []:
            merged["failed"].append(
                dict(failure, index=failure["index"] + offset, partition=partition)
            )
    merged["failed"].sort(key=lambda failure: (failure["index"], failure["partition"]))
    return merged


def report_from_dict(report: Mapping[str, Any]) -> BatchReport:
    """A ``BatchReport`` from its ``to_dict()`` form (or a renumbered :func:`merge_reports`;
    keys a report does not have, such as ``partition``, are left out)."""
    failures = [
        RecordFailure(
            failure["index"],
            failure["reason"],
            failure.get("status_code"),
            failure.get("field"),
            failure.get("outcome", "invalid"),
            failure.get("retryable", False),
        )
        for failure in report.get("failed") or []
    ]
    imports = [ImportJob(**job) for job in report.get("imports") or []]
    return BatchReport(
        total=int(report.get("total") or 0),
        accepted=int(report.get("accepted") or 0),
        failed=failures,
        job_ids=list(report.get("job_ids") or []),
        message_ids=list(report.get("message_ids") or []),
        requests=int(report.get("requests") or 0),
        retries=int(report.get("retries") or 0),
        imports=imports,
        request_bodies=list(report.get("request_bodies") or []),
        removed=int(report.get("removed") or 0),
        not_removed=int(report.get("not_removed") or 0),
        deleted=int(report.get("deleted") or 0),
    )
