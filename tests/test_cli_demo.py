"""The main job (``segment-sendgrid demo``), ``emulator``, the progress
display, ``python -m segment_sendgrid`` and the import-time cost."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from cli_helpers import KEY, cli, script, write_jsonl

from segment_sendgrid.testing import FakeSendGrid


def test_demo_summary_matches_the_emulators_counts() -> None:
    run = cli("demo", "--contacts", "300", "--mails", "40", "--json")
    assert run.code == 0, run.err
    summary = run.json()
    upsert, send, stored = summary["upsert_contacts"], summary["send_emails"], summary["emulator"]
    assert (upsert["records"], upsert["accepted"], upsert["failed"]) == (300, 300, 0)
    assert (send["records"], send["accepted"], send["failed"]) == (40, 40, 0)
    assert upsert["imports"][0]["status"] == "completed"
    assert upsert["imports"][0]["created"] == 300
    assert stored["contacts"] == stored["contacts_in_list"] == 300
    assert stored["contacts_with_custom_fields"] == 300
    assert stored["mails"] == 40
    assert stored["mail_requests"] == send["requests"]
    assert summary["records"] == 340
    assert summary["failed"] == 0
    assert summary["seconds"] < 30


def test_demo_text_summary_and_the_key_in_the_environment_is_not_used() -> None:
    # With SENDGRID_API_KEY set, the demo still runs on the emulator.
    run = cli("demo", "--contacts", "50", "--mails", "5", "--seed", "3")
    assert run.code == 0, run.err
    assert "the emulator stored 50 contacts (50 in the list, 50 with custom fields)" in run.out
    assert "5 mails in 1 request" in run.out
    assert "records/s" in run.out
    assert "what to try next" in run.out
    assert "local SendGrid emulator" in run.err


def test_demo_live_needs_a_key_and_a_template() -> None:
    assert cli("demo", "--live", key=None).code == 2
    run = cli("demo", "--live", "--endpoint", "http://127.0.0.1:1")
    assert run.code == 2
    assert "--template-id" in run.err


def test_emulator_serves_until_interrupted() -> None:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    process = subprocess.Popen(
        [script(), "emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().rsplit(" ", 1)[1].strip()
        key = process.stdout.readline().split(": ", 1)[1].strip()
        request = urllib.request.Request(
            url + "/v3/scopes", headers={"Authorization": f"Bearer {key}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_progress_only_on_a_terminal(tmp_path: Path) -> None:
    lines = [{"traits": {"email": f"p{i}@example.com"}} for i in range(2000)]
    path = write_jsonl(tmp_path / "people.jsonl", list(lines))
    with FakeSendGrid(api_key=KEY, latency_ms=300) as fake:
        args = [script(), "upsert-contacts", str(path), "--endpoint", fake.url]
        args += ["--concurrency", "1"]
        env = {**os.environ, "PYTHONWARNINGS": "ignore", "SENDGRID_API_KEY": KEY}
        # stderr a pipe: no progress.
        piped = subprocess.run(args, capture_output=True, env=env, timeout=60)
        assert piped.returncode == 0
        assert b"\r" not in piped.stderr
        for quiet in (False, True):
            controller, terminal = pty.openpty()
            done = subprocess.run(
                [*args, *(["--quiet"] if quiet else [])],
                stdout=subprocess.PIPE,
                stderr=terminal,
                env=env,
                timeout=60,
            )
            os.close(terminal)
            shown = _drain(controller)
            assert done.returncode == 0
            assert (b"records," in shown) is not quiet, shown


def _drain(fd: int) -> bytes:
    out = b""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.close(fd)
    return out


def test_python_dash_m_and_help() -> None:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    done = subprocess.run(
        [sys.executable, "-m", "segment_sendgrid", "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0
    for command in ("demo", "upsert-contacts", "send-emails", "emulator"):
        assert command in done.stdout
    help_text = cli("upsert-contacts", "--help").out
    for option in (
        "--mapping", "--no-default-mapping", "--list-id", "--wait", "--endpoint",
        "--concurrency", "--dry-run", "--failed-out", "--json", "--api-key-env", "--quiet",
    ):  # fmt: skip
        assert option in help_text
    assert "--sandbox" in cli("send-emails", "--help").out
    assert "--no-check-template" in cli("send-emails", "--help").out


def test_importing_the_package_does_not_load_the_cli() -> None:
    code = "import sys, segment_sendgrid; print(sorted(m for m in sys.modules if '.cli' in m))"
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True, timeout=60
    )
    assert json.loads(done.stdout.replace("'", '"')) == []
