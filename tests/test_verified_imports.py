"""Nothing lost past the 202: with ``wait=True`` (CLI ``--wait``) a record an
import job did not store is reported failed (outcome ``rejected``), through
the sync and async clients and the CLI's ``--failed-out``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import KEY, cli, write_jsonl

import segment_sendgrid as sg
from segment_sendgrid.testing import FakeSendGrid

PHONE = "+14155550100"
# The second shares the stored contact's phone number: SendGrid's job errors on it.
BATCH: list[dict[str, Any]] = [
    {"traits": {"email": "second@example.com", "phone": PHONE}},
    {"traits": {"email": "third@example.com"}},
]
# The default mapping has no phone_number_id; this maps the trait to it.
PHONE_ID = {"phone_number_id": {"@path": "$.traits.phone"}}


@pytest.fixture
def fake() -> Iterator[FakeSendGrid]:
    with FakeSendGrid(api_key=KEY) as emulator:
        first = {"traits": {"email": "first@example.com", "phone": PHONE}}
        emulator.client().upsert_contacts([first], mapping=PHONE_ID, wait=True)
        yield emulator


def stored_emails(fake: FakeSendGrid) -> set[str]:
    return {c["email"] for c in fake.contacts()}


def check(report: sg.BatchReport) -> None:
    assert (report.total, report.accepted) == (2, 1)
    [failure] = report.failed
    assert failure.index == 0
    assert failure.outcome == "rejected"
    assert failure.status_code is None
    assert not failure.retryable
    [job] = report.imports
    assert job.status == "errored"
    assert job.errored == 1
    assert job.id in failure.reason
    assert "errored" in failure.reason


def test_the_sync_client_reports_the_record_the_job_refused(fake: FakeSendGrid) -> None:
    report = fake.client().upsert_contacts(BATCH, mapping=PHONE_ID, wait=True)
    check(report)
    assert report.to_dict()["failed"][0]["outcome"] == "rejected"
    assert stored_emails(fake) == {"first@example.com", "third@example.com"}


def test_the_async_client_reports_it_too(fake: FakeSendGrid) -> None:
    async def run() -> sg.BatchReport:
        client = sg.AsyncClient(api_key=KEY, endpoint=fake.url)
        return await client.upsert_contacts(BATCH, mapping=PHONE_ID, wait=True)

    check(asyncio.run(run()))


def test_without_wait_nothing_is_verified(fake: FakeSendGrid) -> None:
    report = fake.client().upsert_contacts(BATCH, mapping=PHONE_ID)
    assert (report.accepted, report.failed, report.imports) == (2, [], [])


def test_the_cli_writes_it_to_failed_out_and_exits_1(fake: FakeSendGrid, tmp_path: Path) -> None:
    people = write_jsonl(tmp_path / "b.jsonl", BATCH)
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(PHONE_ID))
    failed_out = tmp_path / "failed.jsonl"
    run = cli(
        "upsert-contacts", str(people), "--endpoint", fake.url, "--mapping", str(mapping),
        "--wait", "--failed-out", str(failed_out), "--json",
    )  # fmt: skip
    assert run.code == 1, run.err
    summary = run.json()
    assert (summary["records"], summary["accepted"], summary["failed"]) == (2, 1, 1)
    assert summary["imports"][0]["status"] == "errored"
    [line] = failed_out.read_text().splitlines()
    dead = json.loads(line)
    assert dead["line"] == 1
    assert dead["outcome"] == "rejected"
    assert dead["record"] == BATCH[0]
    assert "errored" in dead["reason"]


def test_a_clean_waited_run_makes_no_look_up() -> None:
    with FakeSendGrid() as fake:
        events = ({"traits": {"email": f"p{i}@example.com"}} for i in range(100_000))
        report = fake.client().upsert_contacts(events, wait=True)
        assert report.accepted == 100_000
        paths = [r["path"] for r in fake.requests()]
        assert not [p for p in paths if "search" in p or "downloads" in p]
        assert paths.count("/v3/marketing/contacts") == 4
