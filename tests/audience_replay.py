"""Replaying Segment's SendGrid Lists vectors (``sendgrid-audiences-vectors.json``).

A loopback stand-in for SendGrid that answers the requests *this library* makes
for a case (its field definitions, contact upserts, identifier searches over the
case's ``contacts``, list-membership DELETEs) and records them, so what the
library sent can be compared with what Segment sent for the same events.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from vectors import load

VECTORS = "sendgrid-audiences-vectors.json"
LISTS_URL = "https://api.sendgrid.com/v3/marketing/lists"
SEARCH_KINDS = {
    "/v3/marketing/contacts/search/emails": ("emails", "email"),
    **{
        f"/v3/marketing/contacts/search/identifiers/{kind}": ("identifiers", kind)
        for kind in ("email", "phone_number_id", "external_id", "anonymous_id")
    },
}


def cases(*invocations: str) -> list[dict[str, Any]]:
    return [c for c in load(VECTORS)["cases"] if c["invocation"] in invocations]


def events_of(case: dict[str, Any]) -> list[dict[str, Any]]:
    if "events" in case:
        return list(case["events"])
    return [case["event"]] if "event" in case else []


def custom_field_names(case: dict[str, Any]) -> set[str]:
    """Every key of an object nested in the events' traits or properties (what
    a case's custom field mappings can name)."""
    names: set[str] = set()
    for event in events_of(case):
        for section in ("traits", "properties"):
            for value in (event.get(section) or {}).values():
                if isinstance(value, dict):
                    names.update(value)
    return names


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    body: str


class AudienceServer:
    """SendGrid stand-in on 127.0.0.1 for one case; records every request."""

    def __init__(self, case: dict[str, Any]) -> None:
        contacts: list[dict[str, Any]] = case.get("contacts") or []
        fields = [
            {"id": name, "name": name, "field_type": "Text"}
            for name in sorted(custom_field_names(case))
        ]
        seen: list[Seen] = []
        lock = threading.Lock()
        self.seen = seen
        self._lock = lock

        lists: list[dict[str, Any]] = case.get("lists") or []
        page_two: list[dict[str, Any]] | None = case.get("lists_page_two")
        created: list[str] = []

        def answer(
            method: str, path: str, body: str, query: dict[str, list[str]]
        ) -> tuple[int, Any]:
            if (method, path) == ("GET", "/v3/marketing/lists"):
                if query.get("page_token") == ["2"] and page_two is not None:
                    return 200, {"result": page_two, "_metadata": {}}
                more = {"next": f"{LISTS_URL}?page_size=100&page_token=2"} if page_two else {}
                return 200, {"result": lists, "_metadata": more}
            if (method, path) == ("POST", "/v3/marketing/lists"):
                created.append(json.loads(body)["name"])
                return 201, {"id": f"list-new-{len(created):04}", "name": created[-1]}
            if (method, path) == ("GET", "/v3/marketing/field_definitions"):
                return 200, {"custom_fields": fields, "reserved_fields": []}
            if (method, path) == ("PUT", "/v3/marketing/contacts"):
                return 202, {"job_id": "job-0000-1111"}
            if method == "POST" and path in SEARCH_KINDS:
                member, kind = SEARCH_KINDS[path]
                result: dict[str, Any] = {}
                for value in json.loads(body)[member]:
                    match = [
                        c for c in contacts
                        if str(c.get(kind, "")).lower() == value.lower()
                    ]  # fmt: skip
                    result[value] = (
                        {"contact": match[0]} if match else {"error": "contact not found"}
                    )
                if all("error" in r for r in result.values()):
                    return 404, {"errors": [{"message": "no contacts found"}]}
                return 200, {"result": result}
            if method == "DELETE" and path.endswith("/contacts") and "/lists/" in path:
                return 202, {"job_id": "job-remove-0001"}
            return 404, {"errors": [{"message": "not found (replay)"}]}

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8") if length else ""
                url = urlsplit(self.path)
                with lock:
                    seen.append(Seen(self.command, url.path, parse_qs(url.query), body))
                status, reply = answer(self.command, url.path, body, parse_qs(url.query))
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = _answer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> AudienceServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def requests(self, method: str) -> list[Seen]:
        with self._lock:
            return [r for r in self.seen if r.method == method]


def joined(put_bodies: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(list id, contact as canonical JSON) of every contact upserted into a list,
    sorted; an empty ``custom_fields`` is left out (this library always sends the
    member; Segment only when a custom field is set)."""
    out: list[tuple[str, str]] = []
    for body in put_bodies:
        for list_id in body["list_ids"]:
            for contact in body["contacts"]:
                if contact.get("custom_fields") == {}:
                    contact = {k: v for k, v in contact.items() if k != "custom_fields"}
                out.append((list_id, json.dumps(contact, sort_keys=True)))
    return sorted(out)


def removed(requests: list[Seen]) -> list[tuple[str, str]]:
    """(list path, contact id) of every list-membership DELETE, sorted."""
    out: list[tuple[str, str]] = []
    for request in requests:
        for ids in request.query.get("contact_ids", []):
            out.extend((request.path, contact_id) for contact_id in ids.split(","))
    return sorted(out)
