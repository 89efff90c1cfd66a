"""Raw HTTP against a FakeSendGrid (stdlib only), for the emulator tests."""

from __future__ import annotations

import gzip
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from segment_sendgrid.testing import FakeSendGrid


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    raw: bytes

    @property
    def body(self) -> Any:
        return json.loads(self.raw) if self.raw else None

    def fields(self) -> list[str | None]:
        return [e.get("field") for e in self.body["errors"]]


def call(
    fake: FakeSendGrid,
    method: str,
    path: str,
    body: Any = None,
    *,
    raw: bytes | None = None,
    key: str | None = "default",
    compress: bool = False,
    timeout: float = 10.0,
) -> Answer:
    """Sends one request; ``key=None`` sends no Authorization header."""
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    headers = {"Content-Type": "application/json"}
    if compress and data is not None:
        data = gzip.compress(data)
        headers["Content-Encoding"] = "gzip"
    if key is not None:
        headers["Authorization"] = f"Bearer {fake.api_key if key == 'default' else key}"
    request = urllib.request.Request(fake.url + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Answer(
                response.status,
                {k.lower(): v for k, v in response.headers.items()},
                response.read(),
            )
    except urllib.error.HTTPError as error:
        return Answer(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())
