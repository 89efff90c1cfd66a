"""The Airflow integration's logic that needs no Airflow: connection extras, events, reports.

Kept apart from ``hooks``/``operators`` so it can be imported (and tested) without
Apache Airflow installed. Errors are :class:`ConnectionConfigError`/``ValueError``; the
hook and operators turn them into ``AirflowException``.
"""

from __future__ import annotations

import gzip
import json
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import IO, Any

__all__ = [
    "CONN_TYPE",
    "DEFAULT_CONN_ID",
    "EXTRA_FIELDS",
    "UI_HIDDEN_FIELDS",
    "UI_PLACEHOLDERS",
    "UI_RELABELING",
    "ClientOptions",
    "ConnectionConfigError",
    "JsonlLines",
    "failure_lines",
    "load_events",
    "parse_extra",
    "summary_line",
]

CONN_TYPE = "sendgrid"
DEFAULT_CONN_ID = "sendgrid_default"

#: The connection extra's fields: name -> (label, description). Shared by the hook's form
#: widgets (Airflow 2.10-3.1) and the provider info's ``conn-fields`` (Airflow 3.2+).
EXTRA_FIELDS: dict[str, tuple[str, str]] = {
    "endpoint": ("Endpoint", "global, eu, or an http(s):// base URL"),
    "timeout": ("Timeout (s)", "seconds per request, > 0 (default 30)"),
    "max_retries": ("Max retries", "retries of 429/5xx where resending is safe (default 5)"),
    "max_concurrency": ("Max concurrency", "requests in flight for batch calls (default 4)"),
}
_OPTIONAL_EXTRA = ("user_agent",)

#: How the connection form looks: SendGrid needs only the key (the password) and the extra.
UI_HIDDEN_FIELDS = ("host", "schema", "login", "port")
UI_RELABELING = {"password": "API key"}
UI_PLACEHOLDERS = {
    "password": "SG.xxxxxxxx",
    "endpoint": "global",
    "timeout": "30",
    "max_retries": "5",
    "max_concurrency": "4",
    "extra": '{"endpoint": "eu", "max_retries": 3}',
}


class ConnectionConfigError(ValueError):
    """A SendGrid connection that cannot make a client; the message names conn and field."""


@dataclass(frozen=True)
class ClientOptions:
    """The ``segment_sendgrid.Client`` arguments a connection's extra gives (key excluded)."""

    endpoint: str = "global"
    timeout: float = 30.0
    max_retries: int = 5
    max_concurrency: int = 4
    user_agent: str | None = None

    def kwargs(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "max_concurrency": self.max_concurrency,
            "user_agent": self.user_agent,
        }


def _fail(conn_id: str, field: str, problem: str) -> ConnectionConfigError:
    return ConnectionConfigError(f"SendGrid connection {conn_id!r}: field {field!r} {problem}")


def _lookup(extra: Mapping[str, Any], name: str) -> Any:
    """A field by plain name, or by the ``extra__sendgrid__`` name older UIs store."""
    value = extra.get(name)
    if value is None or value == "":
        value = extra.get(f"extra__{CONN_TYPE}__{name}")
    return None if value == "" else value


def _as_int(conn_id: str, field: str, value: Any, minimum: int) -> int:
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise _fail(conn_id, field, f"must be an integer, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(conn_id, field, f"must be an integer, got {type(value).__name__}")
    number: int = value
    if number < minimum:
        raise _fail(conn_id, field, f"must be >= {minimum}, got {number}")
    return number


def _as_timeout(conn_id: str, value: Any) -> float:
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise _fail(conn_id, "timeout", f"must be a number, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(conn_id, "timeout", f"must be a number, got {type(value).__name__}")
    if not math.isfinite(value) or value <= 0:
        raise _fail(conn_id, "timeout", f"must be a finite number > 0, got {value}")
    return float(value)


def _as_endpoint(conn_id: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(conn_id, "endpoint", "must be 'global', 'eu' or an http(s):// URL")
    endpoint: str = value.strip()
    if endpoint in ("global", "eu") or endpoint.startswith(("http://", "https://")):
        return endpoint
    raise _fail(
        conn_id, "endpoint", f"must be 'global', 'eu' or an http(s):// URL, got {endpoint!r}"
    )


def parse_extra(conn_id: str, extra: str | Mapping[str, Any] | None) -> ClientOptions:
    """The client options of connection ``conn_id`` from its extra (JSON text or a dict).

    Unknown fields are refused so that a typo (``max_retry``) does not go unnoticed.
    """
    if extra is None or (isinstance(extra, str) and not extra.strip()):
        return ClientOptions()
    if isinstance(extra, str):
        try:
            extra = json.loads(extra)
        except json.JSONDecodeError as error:
            raise _fail(conn_id, "extra", f"is not valid JSON ({error.msg})") from None
    if not isinstance(extra, Mapping):
        raise _fail(conn_id, "extra", f"must be a JSON object, got {type(extra).__name__}")
    known = set(EXTRA_FIELDS) | set(_OPTIONAL_EXTRA)
    for key in extra:
        name = key.removeprefix(f"extra__{CONN_TYPE}__") if isinstance(key, str) else key
        if name not in known:
            raise _fail(conn_id, f"extra.{key}", f"is unknown; known fields: {sorted(known)}")
    defaults = ClientOptions()
    endpoint = _lookup(extra, "endpoint")
    timeout = _lookup(extra, "timeout")
    retries = _lookup(extra, "max_retries")
    concurrency = _lookup(extra, "max_concurrency")
    user_agent = _lookup(extra, "user_agent")
    if user_agent is not None and not isinstance(user_agent, str):
        raise _fail(conn_id, "user_agent", "must be a string")
    return ClientOptions(
        endpoint=defaults.endpoint if endpoint is None else _as_endpoint(conn_id, endpoint),
        timeout=defaults.timeout if timeout is None else _as_timeout(conn_id, timeout),
        max_retries=defaults.max_retries
        if retries is None
        else _as_int(conn_id, "max_retries", retries, 0),
        max_concurrency=defaults.max_concurrency
        if concurrency is None
        else _as_int(conn_id, "max_concurrency", concurrency, 1),
        user_agent=user_agent,
    )


class JsonlLines(list[bytes]):
    """The non-blank lines of a JSON Lines file, as events given as JSON text.

    The client parses each line in Rust as it sends it (reading only what the mapping
    uses), so a file is never held as Python dicts, and a line that is not a UTF-8 JSON
    object fails as that record alone. ``line_numbers[i]`` is the file line of record ``i``.
    """

    def __init__(self, path: str, lines: list[bytes], line_numbers: list[int]) -> None:
        super().__init__(lines)
        self.path = path
        self.line_numbers = line_numbers

    def where(self, index: int) -> str:
        """Where record ``index`` came from, for log lines."""
        if 0 <= index < len(self.line_numbers):
            return f"{self.path}, line {self.line_numbers[index]}"
        return self.path


def _read_jsonl(path: str) -> JsonlLines:
    opener: Any = gzip.open if path.endswith(".gz") else open
    lines: list[bytes] = []
    numbers: list[int] = []
    try:
        stream: IO[bytes] = opener(path, "rb")
    except OSError as error:
        raise ValueError(f"events: cannot open JSONL file {path!r}: {error.strerror}") from None
    with stream:
        try:
            for number, line in enumerate(stream, start=1):
                text = line.strip()
                if text:
                    lines.append(text)
                    numbers.append(number)
        except (OSError, EOFError) as error:
            # A .gz file that is not gzip, or cut short (gzip.BadGzipFile is an OSError).
            strerror = error.strerror if isinstance(error, OSError) else None
            reason = strerror or str(error) or type(error).__name__
            raise ValueError(f"events: cannot read JSONL file {path!r}: {reason}") from None
    return JsonlLines(path, lines, numbers)


def load_events(value: Any) -> list[Any]:
    """The records an operator's ``events`` stands for.

    A list (or any iterable, such as an XCom result) of event dicts; a single event dict;
    a JSON array as text (a Jinja-rendered XCom); or a path (``str``/``PathLike``) to a JSON
    Lines file, optionally ``.gz``, whose lines are passed on as text (:class:`JsonlLines`).
    Records that are not objects are kept: the client reports them as failed records.
    """
    if value is None:
        raise ValueError("events: got None; pass a list, an XCom result or a JSONL path")
    if isinstance(value, os.PathLike):
        return _read_jsonl(os.fspath(value))
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError as error:
                raise ValueError(f"events: text is not a JSON array ({error.msg})") from None
            return list(parsed)
        if not text:
            raise ValueError("events: got an empty string; expected a JSONL path")
        return _read_jsonl(text)
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, Iterable):
        return list(value)
    raise ValueError(
        f"events: expected a list of events, an XCom result or a JSONL path, "
        f"got {type(value).__name__}"
    )


def summary_line(action: str, report: Mapping[str, Any]) -> str:
    line = (
        f"{action}: {report.get('accepted', 0)} of {report.get('total', 0)} records accepted, "
        f"{len(report.get('failed') or [])} failed, {report.get('requests', 0)} requests, "
        f"{report.get('retries', 0)} retries"
    )
    for key in ("removed", "not_removed", "deleted"):
        if report.get(key):
            line += f", {report[key]} {key.replace('_', ' ')}"
    return line


def failure_lines(report: Mapping[str, Any], limit: int = 100, events: object = None) -> list[str]:
    """One line per failed record (the first ``limit``), for the task log; records
    read from a JSONL file (``events`` a :class:`JsonlLines`) name their file line."""
    failed: list[Mapping[str, Any]] = list(report.get("failed") or [])
    lines = []
    for failure in failed[:limit]:
        details = [str(failure.get("outcome", "failed"))]
        if failure.get("status_code") is not None:
            details.append(f"HTTP {failure['status_code']}")
        if failure.get("field"):
            details.append(f"field {failure['field']}")
        if failure.get("retryable"):
            details.append("retryable")
        index = failure.get("index")
        where = ""
        if isinstance(events, JsonlLines) and isinstance(index, int):
            where = f" ({events.where(index)})"
        lines.append(f"record {index}{where}: {failure.get('reason')} [{', '.join(details)}]")
    if len(failed) > limit:
        lines.append(f"... and {len(failed) - limit} more failed records")
    return lines
