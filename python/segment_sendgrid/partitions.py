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

With ``indexed=True`` the records are ``(index, event)`` pairs and failures carry that
index, so merged reports point at the original records; otherwise failure indices are
relative to the partition. Merged failures also name their ``partition``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from segment_sendgrid._native import Client
from segment_sendgrid.types import BatchReportDict

__all__ = ["merge_reports", "send_partition", "upsert_partition"]

_SUMMED = ("total", "accepted", "requests", "retries")
_CONCATENATED = ("job_ids", "message_ids", "imports")


def _split(records: Iterable[Any], indexed: bool) -> tuple[list[int] | None, list[Any]]:
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


def merge_reports(reports: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """One report from the partitions' reports (``BatchReport.to_dict()`` shape).

    Counts are summed and lists concatenated; each failure gains ``partition`` (its
    report's position) and the failures are sorted by index, then partition.
    """
    merged: dict[str, Any] = {key: 0 for key in _SUMMED}
    merged.update({key: [] for key in _CONCATENATED})
    merged["failed"] = []
    merged["partitions"] = 0
    for number, report in enumerate(reports):
        merged["partitions"] += 1
        for key in _SUMMED:
            merged[key] += int(report.get(key) or 0)
        for key in _CONCATENATED:
            merged[key].extend(report.get(key) or [])
        for failure in report.get("failed") or []:
            merged["failed"].append(dict(failure, partition=number))
    merged["failed"].sort(key=lambda failure: (failure["index"], failure["partition"]))
    return merged
