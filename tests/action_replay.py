"""Replaying Segment's end-to-end action vectors (``sendgrid-action-vectors.json``).

A loopback stand-in for ``api.sendgrid.com`` that answers like the harness that
recorded the vectors (``default_server_replies`` plus a case's
``server_replies``) and records every request, and the helpers both action
conformance modules share.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from vectors import load

import segment_sendgrid as sg

VECTORS = "sendgrid-action-vectors.json"
CONTACTS = "/v3/marketing/contacts"
FIELD_DEFINITIONS = "/v3/marketing/field_definitions"
MAIL_SEND = "/v3/mail/send"
# The server adds this header to mail-send answers, as SendGrid does.
MESSAGE_ID = "replay-message-id"

# `server_replies` names the endpoints; `default_server_replies` keys them as
# "METHOD */path".
_OVERRIDE_PATHS = {
    "field_definitions": FIELD_DEFINITIONS,
    "contacts": CONTACTS,
    "mail_send": MAIL_SEND,
}


def cases(action: str, vectors: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every case of one action, in file order (of ``vectors``, default the shared file)."""
    return [c for c in (vectors or load(VECTORS))["cases"] if c["action"] == action]


def case_ids(selected: list[dict[str, Any]]) -> list[str]:
    return [c["name"] for c in selected]


def event_of(event: Any, case: dict[str, Any]) -> Any:
    """The event(s) as sent: ``event_json`` is parsed when present (raw key order)."""
    text = case.get("event_json")
    return json.loads(text) if isinstance(text, str) else event


def recorded_body(case: dict[str, Any], method: str, path: str) -> str | None:
    """The body text of the case's recorded ``method`` request to ``path``, if any."""
    found = [
        r["body"]
        for r in case["requests"]
        if r["method"] == method and r["url"].split("://", 1)[-1].endswith(path)
    ]
    assert len(found) <= 1, f"{case['name']}: several recorded {method} {path}"
    return found[0] if found else None


@dataclass(frozen=True)
class Reply:
    status: int
    body: str


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: str


def _reply(spec: dict[str, Any], fixture: Any) -> Reply:
    body = spec["body"]
    if body == "field_definitions_fixture":
        body = fixture
    text = "" if body is None else body if isinstance(body, str) else json.dumps(body)
    return Reply(int(spec["status"]), text)


def replies_for(
    case: dict[str, Any], vectors: dict[str, Any] | None = None
) -> tuple[dict[tuple[str, str], Reply], Reply]:
    """(method, path) → reply for the case, and the reply to anything else, from
    ``vectors`` (the file the case is from; default the shared file)."""
    vectors = vectors or load(VECTORS)
    fixture = vectors["field_definitions_fixture"]
    routes: dict[tuple[str, str], Reply] = {}
    fallback = Reply(404, json.dumps({"errors": [{"message": "not found (harness)"}]}))
    for key, spec in vectors["default_server_replies"].items():
        if key == "anything else":
            fallback = _reply(spec, fixture)
            continue
        method, pattern = key.split(" ", 1)
        routes[(method, pattern.removeprefix("*"))] = _reply(spec, fixture)
    for name, spec in (case.get("server_replies") or {}).items():
        path = _OVERRIDE_PATHS[name]
        method = next(m for (m, p) in routes if p == path)
        routes[(method, path)] = _reply(spec, fixture)
    return routes, fallback


class ReplayServer:
    """SendGrid stand-in on 127.0.0.1 for one case; records every request."""

    def __init__(self, case: dict[str, Any], vectors: dict[str, Any] | None = None) -> None:
        routes, fallback = replies_for(case, vectors)
        seen: list[Recorded] = []
        lock = threading.Lock()
        self.seen = seen
        self._lock = lock

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8") if length else ""
                path = self.path.split("?", 1)[0]
                headers = {k.lower(): v for k, v in self.headers.items()}
                with lock:
                    seen.append(Recorded(self.command, path, headers, body))
                reply = routes.get((self.command, path), fallback)
                data = reply.body.encode("utf-8")
                self.send_response(reply.status)
                if data:
                    self.send_header("Content-Type", "application/json")
                if path == MAIL_SEND:
                    self.send_header("X-Message-Id", MESSAGE_ID)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = _answer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        # A short poll interval keeps shutdown (once per case) quick.
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> ReplayServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def requests(self, method: str | None = None, path: str | None = None) -> list[Recorded]:
        with self._lock:
            return [
                r
                for r in self.seen
                if (method is None or r.method == method) and (path is None or r.path == path)
            ]

    def bodies(self, method: str, path: str) -> list[Any]:
        """The JSON bodies of the matching requests, in order."""
        return [json.loads(r.body) for r in self.requests(method, path)]


def client_for(case: dict[str, Any], server: ReplayServer) -> sg.Client:
    """A client with the case's API key against the loopback server (D12:
    the endpoint replaces the settings' one; no retries, so no waiting)."""
    return sg.Client(case["settings"]["sendGridApiKey"], endpoint=server.url, max_retries=0)


def assert_authorized(server: ReplayServer, case: dict[str, Any]) -> None:
    """Every request carried the case's key as a bearer token."""
    key = case["settings"]["sendGridApiKey"].strip()
    for request in server.requests():
        assert request.headers.get("authorization", "").strip() == f"Bearer {key}", request


# Segment's HTTPError → ApiError, with the subclass the status selects.
_API_CLASSES: dict[int, type[sg.ApiError]] = {
    401: sg.AuthenticationError,
    403: sg.ForbiddenError,
    413: sg.PayloadTooLargeError,
    429: sg.RateLimitError,
}


def api_error_class(status: int) -> type[sg.ApiError]:
    if 500 <= status <= 599:
        return sg.ServerError
    return _API_CLASSES.get(status, sg.ApiError)


def assert_api_error(error: BaseException, status: int) -> None:
    """``error`` is the ApiError subclass for ``status`` and carries it."""
    assert type(error) is api_error_class(status), repr(error)
    assert isinstance(error, sg.ApiError)
    assert error.status_code == status


def expected_put(case: dict[str, Any], batch: bool) -> dict[str, Any] | None:
    """The recorded PUT body with the deviations applied, or None if none was sent."""
    text = recorded_body(case, "PUT", CONTACTS)
    if text is None:
        return None
    body: dict[str, Any] = json.loads(text)
    contacts = []
    for contact in body["contacts"]:
        custom = contact.get("custom_fields")
        if isinstance(custom, dict):
            # D4: Segment sends a null custom field value as the string "null"
            # (no case sends that string otherwise); here it is left out.
            contact["custom_fields"] = {k: v for k, v in custom.items() if v != "null"}
        if batch:
            # D5: batches drop top-level "" values like single events do.
            contact = {k: v for k, v in contact.items() if v != ""}
        contacts.append(contact)
    body["contacts"] = contacts
    return body


def fails_only_on_the_lookup(case: dict[str, Any]) -> bool:
    """D15: the case failed on its field-definitions reply before any PUT.

    The library looks the definitions up only when a record has custom
    fields, so such a case (whose records have none) succeeds here; Segment
    never built the PUT, so there is no body to compare.
    """
    replies = case.get("server_replies") or {}
    status = replies.get("field_definitions", {}).get("status", 200)
    return case["error"] is not None and status >= 400 and expected_put(case, batch=False) is None


def assert_put(server: ReplayServer, expected: dict[str, Any] | None) -> None:
    """Exactly the expected PUT went out (bodies equal as JSON values)."""
    sent = server.bodies("PUT", CONTACTS)
    if expected is None:
        assert sent == []
    else:
        assert len(sent) == 1, sent
        assert sent[0] == expected, f"\n  sent     {sent[0]}\n  expected {expected}"


def kwargs_of(case: dict[str, Any]) -> dict[str, Any]:
    return {"mapping": case["mapping"], "use_default_mapping": case["use_default_mappings"]}
