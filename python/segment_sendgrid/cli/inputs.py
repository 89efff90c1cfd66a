"""Records from a JSONL file, a CSV file or stdin, one at a time; or the rows
of a Parquet file, read by the library.

JSONL lines are handed out as their JSON text: the library parses them in
Rust (several times faster than ``json.loads``), and a line that is not a JSON
object comes back as that record's failure. A line that cannot be read at all
(not UTF-8, a CSV row with the wrong number of values or a quote that is
never closed) is never raised and never dropped: it is reported with its file and line and kept as a
:class:`BadLine` for the dead-letter file, and reading goes on. Every record
handed out is spooled to a temporary file (line number and JSON text) so
failed records can be written out after the run without holding the input in
memory.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from segment_sendgrid.cli.args import CliError

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
PARQUET_SUFFIX = ".parquet"
# Parquet files begin with these bytes.
PARQUET_MAGIC = "PAR1"


@dataclass(frozen=True)
class BadLine:
    """An input line that is not a record."""

    line: int
    reason: str
    raw: str | None


def _is_utf8(text: str) -> bool:
    # Undecodable bytes arrive as lone surrogates (errors="surrogateescape").
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _nest(columns: list[str], source: str, line: int) -> list[tuple[str, ...]]:
    """CSV header → key paths; ``traits.email`` becomes ``("traits", "email")``.

    The rule is the library's, shared with tables (Parquet columns)."""
    from segment_sendgrid._native import nest_column_names

    try:
        return [tuple(path) for path in nest_column_names(columns)]
    except ValueError as error:
        raise CliError(f"{source}: line {line}: {error}") from None


def _looks_like_parquet(head: str) -> bool:
    """Parquet's magic bytes, then binary (not a CSV header that happens to start so)."""
    if not head.startswith(PARQUET_MAGIC):
        return False
    return not _is_utf8(head) or any(c < " " and c not in "\t\r\n" for c in head)


def is_parquet(path: str) -> bool:
    """Whether ``path`` names a Parquet file (by its suffix, in any case)."""
    return path != "-" and path.lower().endswith(PARQUET_SUFFIX)


class RecordSource:
    """Iterates over the records of one input; see the module docstring."""

    def __init__(
        self,
        path: str,
        *,
        stdin: IO[bytes] | None = None,
        on_bad: Callable[[BadLine], None] | None = None,
        on_record: Callable[[], None] | None = None,
    ) -> None:
        self.name = "<stdin>" if path == "-" else path
        self.bad: list[BadLine] = []
        self.read = 0
        self.last_line = 0
        self._on_bad = on_bad
        self._on_record = on_record
        self._spool = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115
        try:
            if path == "-":
                raw = stdin if stdin is not None else sys.stdin.buffer
                self._stream: IO[str] = io.TextIOWrapper(
                    raw, encoding="utf-8", errors="surrogateescape", newline=""
                )
            else:
                self._stream = open(  # noqa: SIM115 - closed by close()
                    path, encoding="utf-8", errors="surrogateescape", newline=""
                )
        except OSError as error:
            self._spool.close()
            reason = error.strerror or str(error)
            raise CliError(f"cannot read {path}: {reason}") from None
        self._lines: Iterable[str] = self._stream
        self.format = self._detect(path)

    def _detect(self, path: str) -> str:
        lower = path.lower()
        if lower.endswith(".csv"):
            return "csv"
        if lower.endswith(JSONL_SUFFIXES):
            return "jsonl"
        # stdin or another name: JSONL when the first non-blank line is an object.
        head: list[str] = []
        try:
            for line in self._stream:
                head.append(line)
                if line.strip():
                    break
        except OSError as error:
            self.close()
            raise CliError(f"cannot read {self.name}: {error}") from None
        first = "".join(head).lstrip("\ufeff").lstrip()
        if _looks_like_parquet(first):
            self.close()
            if path == "-":
                raise CliError("stdin holds Parquet, which is read from a file only: pass its name")
            raise CliError(f"{path} holds Parquet: name it with a .parquet suffix")
        self._lines = itertools.chain(head, self._stream)
        return "jsonl" if first.startswith("{") or not first else "csv"

    def close(self) -> None:
        self._stream.close()
        self._spool.close()

    def __iter__(self) -> Iterator[dict[str, Any] | str]:
        try:
            if self.format == "csv":
                yield from self._csv()
            else:
                yield from self._jsonl()
        except OSError as error:
            where = f"{self.name}: line {self.last_line + 1}"
            raise CliError(f"{where}: cannot read: {error}") from None

    def _bad(self, line: int, reason: str, raw: str | None) -> None:
        if raw is not None and not _is_utf8(raw):
            # Undecodable bytes are kept visible as \xNN escapes.
            raw = raw.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        bad = BadLine(line, reason, raw)
        self.bad.append(bad)
        if self._on_bad is not None:
            self._on_bad(bad)

    def _emit(self, line: int, text: str) -> None:
        self._spool.write(f"{line}\t{text}\n")
        self.read += 1
        if self._on_record is not None:
            self._on_record()

    def _jsonl(self) -> Iterator[str]:
        for number, line in enumerate(self._lines, start=1):
            self.last_line = number
            text = line.strip()
            if number == 1:
                text = text.lstrip("\ufeff").strip()
            if not text:
                continue
            if not text.isascii() and not _is_utf8(text):
                self._bad(number, "not valid UTF-8", text)
                continue
            self._emit(number, text)
            yield text

    def _csv(self) -> Iterator[dict[str, Any]]:
        header: list[tuple[str, ...]] | None = None
        for line, row in _csv_rows(self._lines, self):
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            raw = _csv_text(row)
            if header is None:
                row[0] = row[0].lstrip("\ufeff")
                if not all(_is_utf8(cell) for cell in row):
                    raise CliError(f"{self.name}: line {line}: the header is not valid UTF-8")
                header = _nest(row, self.name, line)
                continue
            if not all(_is_utf8(cell) for cell in row):
                self._bad(line, "not valid UTF-8", raw)
                continue
            if len(row) != len(header):
                values = "value" if len(row) == 1 else "values"
                reason = f"the row has {len(row)} {values}; the header has {len(header)} columns"
                self._bad(line, reason, raw)
                continue
            record = _record(header, row)
            self._emit(line, json.dumps(record, ensure_ascii=False))
            yield record

    def originals(self, indexes: Iterable[int]) -> Iterator[tuple[int, int, str]]:
        """``(index, line, JSON text)`` of the wanted records (``indexes`` ascending)."""
        wanted = iter(indexes)
        target = next(wanted, None)
        if target is None:
            return
        self._spool.flush()
        self._spool.seek(0)
        for index, entry in enumerate(self._spool):
            if index != target:
                continue
            line, _, text = entry.rstrip("\n").partition("\t")
            yield index, int(line), text
            target = next(wanted, None)
            if target is None:
                return


# Failed rows are read back from a Parquet file this many at a time.
PARQUET_ROWS_AT_ONCE = 1_000


class ParquetSource:
    """A Parquet file (``.parquet``): the library streams it row group by row
    group and maps its rows in Rust (a row is an event; dotted column names
    nest). Nothing is read in Python: ``read`` is set from the run's report, and
    the rows that failed are read back afterwards by their index. A row's line
    is its number in the file (index + 1). Not from stdin: Parquet is read from
    the end of the file first."""

    format = "parquet"

    def __init__(self, path: str) -> None:
        from segment_sendgrid import ConfigError
        from segment_sendgrid._native import read_parquet

        self.name = path
        self.path = path
        self.bad: list[BadLine] = []
        self.read = 0
        try:
            self._events = read_parquet(path)
        except ConfigError as error:
            raise CliError(str(error)) from None

    def events(self) -> Any:
        """The rows, as an Arrow stream (``__arrow_c_stream__``) for the client: read once."""
        return self._events

    def __iter__(self) -> Iterator[Any]:
        """Reading "the rest" after a run that stopped: the library reads the rows,
        so none are yielded, but every row of the file counts as read (those past
        the report's total are then reported as not sent)."""
        from segment_sendgrid._native import parquet_row_count

        # The run is over: a file that cannot be read now leaves what was read.
        with contextlib.suppress(Exception):
            self.read = max(self.read, parquet_row_count(self.path))
        return iter(())

    def close(self) -> None:
        pass

    def originals(self, indexes: Iterable[int]) -> Iterator[tuple[int, int, str | None]]:
        """``(index, line, JSON text)`` of the wanted rows (``indexes`` ascending);
        the text is ``None`` when the row has no JSON form (a NaN, say) or cannot be
        read back."""
        from segment_sendgrid._native import read_parquet_rows

        wanted = iter(indexes)
        while chunk := list(itertools.islice(wanted, PARQUET_ROWS_AT_ONCE)):
            try:
                rows = read_parquet_rows(self.path, chunk)
            except Exception:  # the run is over: the failures go out without their rows
                rows = [(None, "cannot read the row back")] * len(chunk)
            for index, (text, _why) in zip(chunk, rows, strict=True):
                yield index, index + 1, text


# A quoted value may span lines; one still open after this many lines or
# characters is taken to be an unterminated quote.
MAX_RECORD_LINES = 1_000
MAX_RECORD_CHARS = 1 << 20


def _csv_rows(lines: Iterable[str], source: RecordSource) -> Iterator[tuple[int, list[str]]]:
    """``(first line, values)`` of each CSV row: one physical line, or several
    while a quoted value is open. A row that cannot be parsed fails its first
    line alone (reported, its text kept); when it spanned several lines (a
    quote that is never closed, or closed far away), the lines after the
    first are read again as rows, so no line is ever swallowed."""
    pending: list[tuple[int, str]] = []  # lines read again after a bad row
    numbered = enumerate(lines, start=1)
    record: list[tuple[int, str]] = []
    quoted = False
    while True:
        item = pending.pop(0) if pending else next(numbered, None)
        if item is not None:
            source.last_line = item[0]
            record.append(item)
            quoted = _still_quoted(item[1], quoted)
            size = sum(len(text) for _, text in record)
            if quoted and len(record) <= MAX_RECORD_LINES and size <= MAX_RECORD_CHARS:
                continue
        if not record:
            return
        reason = "a quoted value is never closed" if quoted else None
        if reason is None:
            try:
                rows = list(csv.reader(["".join(text for _, text in record)], strict=True))
            except csv.Error as error:
                reason = str(error)
            else:
                yield record[0][0], rows[0] if rows else []
                record = []
                continue
        (first, text), rest = record[0], record[1:]
        source._bad(first, f"invalid CSV: {reason}", text.rstrip("\r\n"))
        pending[:0] = rest
        record, quoted = [], False


def _still_quoted(line: str, quoted: bool) -> bool:
    """Whether a quoted value is still open after ``line`` (CSV rules: a quote
    opens a value only at its start; ``""`` inside one is a literal quote)."""
    if not quoted and '"' not in line:
        return False
    at_start = not quoted
    i = 0
    while i < len(line):
        c = line[i]
        if quoted:
            if c == '"':
                if line.startswith('"', i + 1):
                    i += 1
                else:
                    quoted = False
        elif c == '"' and at_start:
            quoted = True
        at_start = not quoted and c in ",\r\n"
        i += 1
    return quoted


def _record(header: list[tuple[str, ...]], row: list[str]) -> dict[str, Any]:
    """A CSV row as a (nested) record; empty cells are left out."""
    record: dict[str, Any] = {}
    for path, value in zip(header, row, strict=False):
        if value == "":
            continue
        node = record
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return record


def _csv_text(row: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(row)
    return out.getvalue()
