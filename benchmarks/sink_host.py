"""A SendGrid contacts sink in its own process, for peak-RSS runs of millions of contacts.

The emulator keeps every contact it stores (about 3 KB each: 5,000,000 contacts would
take some 15 GB), so the Parquet streaming figure of the ``tables`` section sends into
this sink instead: it answers ``GET /v3/marketing/field_definitions`` with the custom
fields it was given and ``PUT /v3/marketing/contacts`` with ``202 {"job_id"}``, counts
the contacts of each body and forgets it. It speaks ``emulator_host.py``'s protocol
(``latency`` is ignored: it answers at once; ``counts`` reports ``contacts``).
"""

from __future__ import annotations

import gzip
import json
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from emulator_host import peak_rss_mb

API_KEY = "SG.sink-key"
FIELD_PREFIX = {"Text": "T", "Number": "N", "Date": "D"}


class State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.contacts = 0
        self.requests = 0
        self.fields: list[dict[str, str]] = []


STATE = State()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorised(self) -> bool:
        if self.headers.get("Authorization") == f"Bearer {API_KEY}":
            return True
        self._answer(401, {"errors": [{"field": None, "message": "authorization required"}]})
        return False

    def do_GET(self) -> None:
        if not self._authorised():
            return
        with STATE.lock:
            STATE.requests += 1
        if self.path.split("?")[0] == "/v3/marketing/field_definitions":
            self._answer(200, {"custom_fields": STATE.fields, "reserved_fields": []})
        else:
            self._answer(404, {"errors": [{"field": None, "message": "not found"}]})

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if not self._authorised():
            return
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        if self.path.split("?")[0] != "/v3/marketing/contacts":
            self._answer(404, {"errors": [{"field": None, "message": "not found"}]})
            return
        with STATE.lock:
            STATE.requests += 1
            STATE.contacts += body.count(b'"email":')
        self._answer(202, {"job_id": str(uuid.uuid4())})


def main() -> int:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    print(json.dumps({"url": url, "api_key": API_KEY, "template_id": ""}), flush=True)
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            command = json.loads(line)
            answer: dict[str, Any]
            if command["cmd"] == "latency":
                answer = {"ok": True}
            elif command["cmd"] == "reset":
                with STATE.lock:
                    STATE.contacts = STATE.requests = 0
                    STATE.fields = []
                answer = {"ok": True, "template_id": "", "cpu_s": time.process_time()}
            elif command["cmd"] == "fields":
                with STATE.lock:
                    STATE.fields = [
                        {"id": f"e{i}_{FIELD_PREFIX[kind]}", "name": name, "field_type": kind}
                        for i, (name, kind) in enumerate(command["fields"], 1)
                    ]
                answer = {"ok": True, "ids": {f["name"]: f["id"] for f in STATE.fields}}
            elif command["cmd"] == "counts":
                answer = {
                    "contacts": STATE.contacts,
                    "errored": 0,
                    "messages": 0,
                    "recipients": 0,
                    "requests": STATE.requests,
                    "cpu_s": time.process_time(),
                    "rss_mb": peak_rss_mb(),
                }
            elif command["cmd"] == "quit":
                break
            else:
                answer = {"error": f"unknown command {command['cmd']!r}"}
            print(json.dumps(answer), flush=True)
    finally:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
