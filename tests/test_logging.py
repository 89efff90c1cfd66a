"""The library's log records reach Python's ``logging`` under ``segment_sendgrid``:
waits, retries, isolations, import jobs and summaries at INFO, each request at
DEBUG, failed records at WARNING, never the key."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from cli_helpers import KEY, cli, write_jsonl

from segment_sendgrid.testing import FakeSendGrid

CONTACTS = "/v3/marketing/contacts"


def messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("segment_sendgrid")]


def test_a_run_logs_its_wait_retry_isolation_and_summary_and_never_the_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with FakeSendGrid(api_key=KEY) as fake:
        # A 500 (retried), then the window's last request: the isolation
        # requests that follow wait for the next window (at most a second).
        fake.set_rate_limit(2, 1.0, path=CONTACTS)
        fake.fail_next(CONTACTS, status=500, count=1)
        events = [{"traits": {"email": f"p{i}@example.com"}} for i in range(20)]
        events[7] = {"traits": {"email": "not-an-email"}}
        client = fake.client(max_retries=3)
        with caplog.at_level(logging.INFO, logger="segment_sendgrid"):
            report = client.upsert_contacts(events, wait=True)
    assert report.accepted == 19
    logged = messages(caplog)
    text = "\n".join(logged)
    assert "rate limited, waiting" in text, text
    assert "retrying in" in text, text
    assert "SendGrid answered 500" in text, text
    assert "isolating the records at fault" in text, text
    assert "import job" in text, text
    assert "completed" in text, text
    assert "upsert_contacts: 20 records, 19 accepted, 1 failed" in text, text
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any("record 7" in r.getMessage() for r in warnings), text
    assert KEY not in text
    # Children of the package logger, so one setting governs them all.
    names = {r.name for r in caplog.records}
    assert names <= {
        "segment_sendgrid.client",
        "segment_sendgrid.upsert",
        "segment_sendgrid.send",
        "segment_sendgrid.report",
    }, names


def test_requests_are_logged_at_debug_only(caplog: pytest.LogCaptureFixture) -> None:
    with FakeSendGrid(api_key=KEY) as fake:
        client = fake.client()
        with caplog.at_level(logging.INFO, logger="segment_sendgrid"):
            client.check()
        assert not [m for m in messages(caplog) if "GET /v3/scopes" in m]
        # A level changed between calls applies to the next call.
        with caplog.at_level(logging.DEBUG, logger="segment_sendgrid"):
            client.check()
        [line] = [m for m in messages(caplog) if "GET /v3/scopes" in m]
        assert "200" in line
        assert " ms" in line


def test_the_cli_verbose_flag_prints_the_records_on_stderr(tmp_path: Path) -> None:
    with FakeSendGrid(api_key=KEY) as fake:
        people = write_jsonl(
            tmp_path / "p.jsonl", [{"traits": {"email": f"p{i}@example.com"}} for i in range(5)]
        )
        quiet = cli("upsert-contacts", str(people), "--endpoint", fake.url, "--wait", "--quiet")
        loud = cli("upsert-contacts", str(people), "--endpoint", fake.url, "--wait", "-v")
    assert quiet.code == loud.code == 0
    assert "segment_sendgrid" not in quiet.err
    assert "INFO segment_sendgrid.upsert: import job" in loud.err, loud.err
    assert KEY not in loud.err


def test_nothing_is_printed_when_logging_is_not_configured(tmp_path: Path) -> None:
    """Records go to ``logging`` only: an application that configured nothing
    sees no output from the library, not even its warnings."""
    import subprocess
    import sys

    code = (
        "import segment_sendgrid as sg\n"
        "from segment_sendgrid.testing import FakeSendGrid\n"
        "with FakeSendGrid() as fake:\n"
        "    report = fake.client().upsert_contacts([{'traits': {'email': 'bad'}}])\n"
        "    assert len(report.failed) == 1\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
