"""Running the installed ``segment-sendgrid`` console script, and a recording
proxy in front of a FakeSendGrid that keeps the exact bytes of every request."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

# A key nobody could mistake: no output may ever contain it.
KEY = "SG.cli-SECRET-0123456789-recognisable"
WRONG_KEY = "SG.cli-WRONG-9876543210-recognisable"

FORWARDED = ("authorization", "content-type", "content-encoding", "user-agent", "accept")


def script() -> str:
    """The console script installed next to this interpreter."""
    name = "segment-sendgrid.exe" if os.name == "nt" else "segment-sendgrid"
    path = Path(sysconfig.get_path("scripts")) / name
    if not path.exists():
        path = Path(sys.executable).parent / name
    return str(path)


@dataclass
class Run:
    code: int
    stdout: bytes
    stderr: bytes

    @property
    def out(self) -> str:
        return self.stdout.decode("utf-8")

    @property
    def err(self) -> str:
        return self.stderr.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.stdout)


def cli(
    *args: str,
    key: str | None = KEY,
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 120,
) -> Run:
    environment = {k: v for k, v in os.environ.items() if k != "SENDGRID_API_KEY"}
    environment["PYTHONWARNINGS"] = "ignore"  # debug builds warn on import
    if key is not None:
        environment["SENDGRID_API_KEY"] = key
    environment.update(env or {})
    done = subprocess.run(
        [script(), *args],
        input=stdin if stdin is not None else b"",
        capture_output=True,
        env=environment,
        cwd=cwd,
        timeout=timeout,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def write_jsonl(path: Path, lines: list[Any]) -> Path:
    """Objects become JSON lines; strings are written as they are."""
    text = "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines)
    path.write_text(text, encoding="utf-8")
    return path


@dataclass
class Recorded:
    method: str
    path: str
    body: bytes


@dataclass
class RecordingProxy:
    """Forwards to ``target`` and records each request's exact body."""

    target: str
    seen: list[Recorded] = field(default_factory=list)

    def __post_init__(self) -> None:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                proxy.seen.append(Recorded(self.command, self.path, body))
                headers = {k: v for k, v in self.headers.items() if k.lower() in FORWARDED}
                request = urllib.request.Request(
                    proxy.target + self.path,
                    data=body if self.command in ("PUT", "POST", "PATCH") else None,
                    headers=headers,
                    method=self.command,
                )
                try:
                    with urllib.request.urlopen(request, timeout=30) as answer:
                        status, reply, answer_headers = answer.status, answer.read(), answer.headers
                except urllib.error.HTTPError as error:
                    status, reply, answer_headers = error.code, error.read(), error.headers
                self.send_response(status)
                for name, value in answer_headers.items():
                    if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def bodies(self, method: str) -> list[bytes]:
        return [r.body for r in self.seen if r.method == method]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
