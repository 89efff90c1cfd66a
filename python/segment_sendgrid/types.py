"""Types for annotating code that uses segment_sendgrid.

The stubs of ``segment_sendgrid._native`` use these, and they exist at run time too, so
they can be imported anywhere (not only under ``TYPE_CHECKING``)::

    from segment_sendgrid.types import BatchReportDict

    def log_report(report: BatchReportDict) -> None:
        for failure in report["failed"]:
            if failure["outcome"] == "unknown":
                ...

``tests/test_stubs.py`` checks them against the running library: the ``Literal`` values
against what the library accepts and produces, the ``TypedDict`` keys against what
``to_dict()`` returns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal, Protocol, TypeAlias, TypedDict

__all__ = [
    "ActionName",
    "ArrowArrayExportable",
    "ArrowStreamExportable",
    "BatchReportDict",
    "Event",
    "Events",
    "ImportJobDict",
    "Outcome",
    "RecordFailureDict",
    "SyncMode",
    "Table",
]

#: An event, as every action method takes it: a mapping (a dict or any
#: ``collections.abc.Mapping``), or its JSON text as ``str`` or UTF-8 ``bytes`` (e.g. a
#: JSONL line or a Kafka message), which is parsed in Rust.
Event: TypeAlias = Mapping[str, Any] | str | bytes


class ArrowStreamExportable(Protocol):
    """A table with the Arrow PyCapsule stream interface: a pyarrow ``Table`` or
    ``RecordBatchReader``, a pandas (>= 2.2) or polars ``DataFrame``, a DuckDB result."""

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...


class ArrowArrayExportable(Protocol):
    """One record batch with the Arrow PyCapsule array interface (a pyarrow ``RecordBatch``)."""

    def __arrow_c_array__(
        self, requested_schema: object | None = None
    ) -> tuple[object, object]: ...


#: A table whose rows are events (column names are keys; a dotted name nests), read in
#: Rust batch by batch without a Python object per row.
Table: TypeAlias = ArrowStreamExportable | ArrowArrayExportable

#: What the batch methods take: an iterable of events, or a table.
Events: TypeAlias = Iterable[Event] | Table

#: What became of a record that was not accepted (``RecordFailure.outcome``):
#:
#: - ``"invalid"``: it failed mapping or validation; nothing was sent for it.
#: - ``"rejected"``: SendGrid answered with a 4xx and refused it (or, with ``wait=True``,
#:   its import job did not store it): it was not applied.
#: - ``"not_sent"``: SendGrid never processed it (a 429 or a connection error on a request
#:   that provably did not arrive, retries exhausted, or the run stopped first).
#: - ``"unknown"``: it may or may not have been applied (a 5xx or a timeout after the
#:   request was written, or, with ``wait=True``, a verification look-up that kept
#:   failing).
Outcome: TypeAlias = Literal["invalid", "rejected", "not_sent", "unknown"]

#: An action with a default mapping (``default_mapping``): ``"upsert_contact"``,
#: ``"send_dynamic_template"`` or ``"sync_list"`` (also ``delete_contacts``'), or
#: Segment's own keys of the same actions (``"updateUserProfile"``; ``"sendEmail"`` /
#: ``"send_email"``; ``"syncAudience"``).
ActionName: TypeAlias = Literal[
    "upsert_contact",
    "send_dynamic_template",
    "sync_list",
    "delete_contacts",
    "updateUserProfile",
    "sendEmail",
    "send_email",
    "syncAudience",
]

#: What ``sync_list`` does with its records: every record joins (``"add"``) or leaves
#: (``"remove"``) the list; the list ends up holding exactly the records (``"mirror"``);
#: or each record says, as Segment's audience events do (``"segment"``).
SyncMode: TypeAlias = Literal["add", "remove", "mirror", "segment"]


class RecordFailureDict(TypedDict):
    """``RecordFailure.to_dict()``."""

    index: int
    reason: str
    status_code: int | None
    field: str | None
    outcome: Outcome
    retryable: bool


class ImportJobDict(TypedDict):
    """``ImportJob.to_dict()``."""

    id: str
    status: str
    requested: int
    created: int
    updated: int
    errored: int
    errors_url: str | None


class BatchReportDict(TypedDict):
    """``BatchReport.to_dict()``: JSON-ready, every nested object a plain dict."""

    total: int
    accepted: int
    failed: list[RecordFailureDict]
    job_ids: list[str]
    message_ids: list[str | None]
    requests: int
    retries: int
    imports: list[ImportJobDict]
    request_bodies: list[str]
    removed: int
    not_removed: int
    deleted: int
