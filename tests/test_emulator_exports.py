"""Contact exports on the emulator from Python: a list's members through the
download links (gzipped, one JSON object per line), and
``set_export_file_bytes`` for several files from a few contacts."""

from __future__ import annotations

import gzip
import json
import urllib.request
from typing import Any

import pytest
from emulator_helpers import call

from segment_sendgrid.testing import FakeSendGrid

EXPORTS = "/v3/marketing/contacts/exports"


def download(url: str) -> bytes:
    """A download link, fetched without the API key (as SendGrid's pre-signed URLs)."""
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.headers["Content-Type"] == "application/gzip"
        return gzip.decompress(response.read())


def export_lines(fake: FakeSendGrid, body: dict[str, Any]) -> tuple[int, list[dict[str, Any]]]:
    """Creates an export; returns its file count and every JSON line of its files."""
    created = call(fake, "POST", EXPORTS, body)
    assert created.status == 202, created.raw
    status = call(fake, "GET", f"{EXPORTS}/{created.body['id']}").body
    assert status["status"] == "ready"
    lines = [
        json.loads(line) for url in status["urls"] for line in download(url).decode().splitlines()
    ]
    assert status["contact_count"] == len(lines)
    return len(status["urls"]), lines


def test_a_list_export_streams_every_member(fake_sendgrid: FakeSendGrid) -> None:
    vip = fake_sendgrid.add_list("VIP")
    members = [{"email": f"m{i}@example.com"} for i in range(75)]
    for body in (
        {"list_ids": [vip], "contacts": members},
        {"contacts": [{"email": "x@example.com"}]},
    ):
        assert call(fake_sendgrid, "PUT", "/v3/marketing/contacts", body).status == 202
    files, lines = export_lines(fake_sendgrid, {"list_ids": [vip], "file_type": "json"})
    assert files == 1
    assert sorted(line["email"] for line in lines) == sorted(m["email"] for m in members)
    expected = {c["id"] for c in fake_sendgrid.contacts() if vip in c["list_ids"]}
    assert {line["contact_id"] for line in lines} == expected


def test_export_file_bytes_splits_into_several_files(fake_sendgrid: FakeSendGrid) -> None:
    contacts = [{"email": f"m{i}@example.com"} for i in range(20)]
    body = {"contacts": contacts}
    assert call(fake_sendgrid, "PUT", "/v3/marketing/contacts", body).status == 202
    fake_sendgrid.set_export_file_bytes(600)
    files, lines = export_lines(fake_sendgrid, {"file_type": "json"})
    assert files > 1
    assert len(lines) == 20
    fake_sendgrid.set_export_file_bytes(None)
    assert export_lines(fake_sendgrid, {"file_type": "json"})[0] == 1
    with pytest.raises(ValueError, match="at least 1"):
        fake_sendgrid.set_export_file_bytes(0)
    with pytest.raises(ValueError, match="at least 1, got -1"):
        fake_sendgrid.set_export_file_bytes(-1)
