"""A first run of segment_sendgrid against a SendGrid look-alike on 127.0.0.1.

Starts a tiny local server that answers ``GET /v3/scopes`` the way SendGrid
does, then shows the client's configuration, a successful call, and the
errors a pipeline sees for a wrong key or an unreachable endpoint. Nothing
leaves this machine.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import segment_sendgrid as sg

DEMO_KEY = "SG.demo-key"


class ScopesHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body: dict[str, Any]
        if self.headers.get("Authorization") == f"Bearer {DEMO_KEY}":
            status, body = 200, {"scopes": ["mail.send", "marketing.read", "marketing.update"]}
        else:
            status, body = 401, {"errors": [{"field": None, "message": "authorization required"}]}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), ScopesHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    print(f"segment_sendgrid {sg.__version__}; local SendGrid look-alike at {url}")

    client = sg.Client(api_key=DEMO_KEY, endpoint=url, max_retries=2)
    print(f"client:        {client!r}")
    print(f"key scopes:    {client.check()}")

    try:
        sg.Client(api_key="SG.wrong", endpoint=url).check()
    except sg.AuthenticationError as err:
        print(f"wrong key:     {type(err).__name__} {err.status_code}: {err.errors[0]['message']}")

    server.shutdown()
    server.server_close()
    try:
        sg.Client(api_key=DEMO_KEY, endpoint=url, max_retries=0).check()
    except sg.TransportError as err:
        print(f"server gone:   {type(err).__name__} (maybe_sent={err.maybe_sent})")

    print(f"EU client:     {sg.Client(api_key=DEMO_KEY, endpoint='eu').base_url}")


if __name__ == "__main__":
    main()
