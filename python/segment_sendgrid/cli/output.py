"""What the CLI writes: the summary (text or ``--json``), the dry-run bodies
and the dead-letter file (``--failed-out``)."""

from __future__ import annotations

import heapq
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from segment_sendgrid.cli.args import CliError
from segment_sendgrid.cli.inputs import BadLine, ParquetSource, RecordSource

# At most this many failures are listed in a summary (the dead-letter file has all).
SHOWN_FAILURES = 5
JSON_FAILURES = 1000


@dataclass
class Failure:
    """One input line that did not make it: a bad line or a failed record."""

    line: int
    reason: str
    status: int | None = None
    outcome: str = "invalid"
    field: str | None = None
    retryable: bool = False
    record: Any = None
    raw: str | None = None
    # A line that is not a record (not UTF-8, not a JSON object, a ragged CSV row).
    unreadable: bool = False

    def to_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "line": self.line,
            "reason": self.reason,
            "status": self.status,
            "outcome": self.outcome,
            "field": self.field,
            "retryable": self.retryable,
            "record": self.record,
        }
        if self.record is None:
            entry["raw"] = self.raw
        return entry


def failures(
    source: RecordSource | ParquetSource, report_failed: Iterable[Any]
) -> Iterator[Failure]:
    """Bad lines and failed records together, by line number."""
    failed = {f.index: f for f in report_failed}
    records = (
        _from_record(failed[index], line, text)
        for index, line, text in source.originals(sorted(failed))
    )
    bad = (_from_bad(b) for b in source.bad)
    return heapq.merge(bad, records, key=lambda f: f.line)


def _from_record(failure: Any, line: int, text: str | None) -> Failure:
    if text is None:
        # A Parquet row with no JSON form (a NaN, say): the failure without its record.
        return Failure(
            line=line,
            reason=failure.reason,
            status=failure.status_code,
            outcome=failure.outcome,
            field=failure.field,
            retryable=failure.retryable,
        )
    try:
        record = json.loads(text, parse_constant=_not_json)
    except (ValueError, RecursionError):
        record = None
    entry = Failure(
        line=line,
        reason=failure.reason,
        status=failure.status_code,
        outcome=failure.outcome,
        field=failure.field,
        retryable=failure.retryable,
        record=record,
    )
    if not isinstance(record, dict):
        # The library could not read the line as an event (not JSON, not an object).
        entry.record, entry.raw, entry.unreadable = None, text, True
    return entry


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _from_bad(bad: BadLine) -> Failure:
    return Failure(line=bad.line, reason=bad.reason, raw=bad.raw, unreadable=True)


class DeadLetter:
    """The ``--failed-out`` JSONL file, opened before the run so a bad path fails early."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.file: IO[str] | None = None
        if path is not None:
            try:
                self.file = open(path, "w", encoding="utf-8")  # noqa: SIM115
            except OSError as error:
                raise CliError(f"cannot write {path}: {error.strerror or error}") from None

    def write(self, failure: Failure) -> None:
        if self.file is not None:
            self.file.write(json.dumps(failure.to_dict(), ensure_ascii=False) + "\n")

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


@dataclass
class Summary:
    """The figures of one action run."""

    command: str
    input: str
    records: int = 0
    accepted: int = 0
    failed: int = 0
    bad_lines: int = 0
    requests: int = 0
    retries: int = 0
    seconds: float = 0.0
    dry_run: bool = False
    request_bodies: int = 0
    failed_out: str | None = None
    job_ids: list[str] = field(default_factory=list)
    imports: list[dict[str, Any]] = field(default_factory=list)
    message_ids: int = 0
    removed: int = 0
    not_removed: int = 0
    deleted: int = 0
    error: str | None = None
    shown: list[Failure] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "input": self.input,
            "records": self.records,
            "accepted": self.accepted,
            "failed": self.failed,
            "bad_lines": self.bad_lines,
            "requests": self.requests,
            "retries": self.retries,
            "seconds": round(self.seconds, 3),
            "records_per_second": round(self.rate, 1),
            "dry_run": self.dry_run,
            "request_bodies": self.request_bodies,
            "job_ids": self.job_ids,
            "imports": self.imports,
            "message_ids": self.message_ids,
            "removed": self.removed,
            "not_removed": self.not_removed,
            "deleted": self.deleted,
            "failed_out": self.failed_out,
            "error": self.error,
            "failures": [
                {k: v for k, v in f.to_dict().items() if k not in ("record", "raw")}
                for f in self.shown[:JSON_FAILURES]
            ],
        }

    def text(self) -> str:
        lines = [
            f"{self.command}: {self.records:,} records from {self.input} "
            f"in {self.seconds:.2f} s ({self.rate:,.0f} records/s)"
            + (" [dry run: nothing sent]" if self.dry_run else ""),
            f"  accepted     {self.accepted:,}",
        ]
        failed = f"  failed       {self.failed:,}"
        if self.bad_lines:
            failed += f" (of which {plural(self.bad_lines, 'unreadable line')})"
        if self.failed and self.failed_out:
            failed += f", all written to {self.failed_out}"
        lines.append(failed)
        if self.dry_run:
            would = plural(self.request_bodies, "request")
            lines.append(f"  would send   {would} (bodies on stdout)")
        else:
            lines.append(
                f"  requests     {self.requests:,} ({plural(self.retries, 'retry', 'retries')})"
            )
        if self.job_ids and not self.imports:
            lines.append(f"  import jobs  {', '.join(self.job_ids[:3])}" + _more(self.job_ids))
        for job in self.imports:
            lines.append(
                f"  import {job['id']}: {job['status']}, {job['created']:,} created, "
                f"{job['updated']:,} updated, {job['errored']:,} errored"
            )
        if self.message_ids:
            lines.append(f"  message ids  {self.message_ids:,}")
        verb = "would be " if self.dry_run else ""
        if self.removed or self.not_removed or self.command == "sync-list":
            removed = (
                f"  removed      {self.removed:,} list members{' ' + verb.strip() if verb else ''}"
            )
            if self.not_removed:
                removed += f" ({self.not_removed:,} could not be removed: see the log, -v)"
            lines.append(removed)
        if self.deleted or self.command == "delete-contacts":
            lines.append(
                f"  deleted      {self.deleted:,} contacts{' ' + verb.strip() if verb else ''}"
            )
        for failure in self.shown[:SHOWN_FAILURES]:
            status = f" [{failure.status}]" if failure.status is not None else ""
            lines.append(f"  line {failure.line}: {failure.outcome}{status}: {failure.reason}")
        if self.failed > SHOWN_FAILURES:
            lines.append(f"  … and {plural(self.failed - SHOWN_FAILURES, 'more failure')}")
        if self.error:
            lines.append(f"  stopped: {self.error}")
        return "\n".join(lines)


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else (words or word + 's')}"


def _more(items: list[str]) -> str:
    return f" (+{len(items) - 3} more)" if len(items) > 3 else ""


def emit(summary: Summary, *, as_json: bool, to_stderr: bool) -> None:
    stream = sys.stderr if to_stderr else sys.stdout
    text = json.dumps(summary.to_dict()) if as_json else summary.text()
    stream.write(text + "\n")
    stream.flush()


class BodyWriter:
    """Writes each dry-run body as it is made (``on_request_body``), byte for byte,
    one per line on stdout; ``written`` counts them."""

    def __init__(self) -> None:
        self.written = 0

    def __call__(self, body: str) -> None:
        out = sys.stdout.buffer
        out.write(body.encode("utf-8") + b"\n")
        out.flush()
        self.written += 1
