"""Shared fixtures: a small SendGrid look-alike on 127.0.0.1 for client tests."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


def have_airflow() -> bool:
    """Whether Apache Airflow is installed (scripts/test_airflow.sh's environments)."""
    try:
        importlib.metadata.distribution("apache-airflow")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


# tests/airflow_e2e/ needs Airflow and runs in scripts/test_airflow.sh; elsewhere it is not
# collected. (Its name must not be `airflow`: pytest puts tests/ on sys.path, and the folder
# would then shadow the real package for `import airflow`.)
collect_ignore: list[str] = [] if have_airflow() else ["airflow_e2e"]
# tests/spark_e2e/ needs PySpark and Java and runs in scripts/test_spark.sh.
if importlib.util.find_spec("pyspark") is None:
    collect_ignore.append("spark_e2e")

GOOD_KEY = "SG.test-key-0123456789abcdefghijklmnopqrstuvwxyz"
FORBIDDEN_KEY = "SG.no-scopes-key-0123456789abcdefghijklmnopqrstuv"
SCOPES = ["mail.send", "marketing.read", "templates.read"]


@dataclass
class LoopbackState:
    """What the loopback server does and what it saw."""

    delay_s: float = 0.0
    fail_statuses: list[int] = field(default_factory=list)
    reset_header: str | None = None
    seen: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class LoopbackServer:
    """A threaded HTTP server answering ``GET /v3/scopes`` like SendGrid."""

    def __init__(self) -> None:
        self.state = LoopbackState()
        state = self.state

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if state.reset_header is not None:
                    self.send_header("X-RateLimit-Reset", state.reset_header)
                    self.send_header("X-RateLimit-Remaining", "0")
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                with state.lock:
                    state.seen.append(
                        {
                            "path": self.path,
                            "headers": {k.lower(): v for k, v in self.headers.items()},
                        }
                    )
                    failure = state.fail_statuses.pop(0) if state.fail_statuses else None
                if state.delay_s:
                    time.sleep(state.delay_s)
                if failure is not None:
                    message = "too many requests" if failure == 429 else "internal server error"
                    self._send(failure, {"errors": [{"field": None, "message": message}]})
                    return
                if self.path != "/v3/scopes":
                    self._send(404, {"errors": [{"field": None, "message": "not found"}]})
                    return
                auth = self.headers.get("Authorization", "")
                if auth == f"Bearer {GOOD_KEY}":
                    self._send(200, {"scopes": SCOPES})
                elif auth == f"Bearer {FORBIDDEN_KEY}":
                    self._send(403, {"errors": [{"field": None, "message": "access forbidden"}]})
                else:
                    body = {"errors": [{"field": None, "message": "authorization required"}]}
                    self._send(401, body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> LoopbackServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def loopback() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        yield server


@pytest.fixture
def closed_port_url() -> str:
    """A 127.0.0.1 URL on which nothing listens (connection refused)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
