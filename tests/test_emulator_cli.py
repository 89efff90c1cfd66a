"""The pytest plugin entry point and `python -m segment_sendgrid.testing`."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.request
from importlib.metadata import entry_points

import pytest

from segment_sendgrid.testing import FakeSendGrid


def test_plugin_is_registered_through_pytest11() -> None:
    plugins = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert plugins.get("segment_sendgrid") == "segment_sendgrid.testing.pytest_plugin"


def test_fixture_gives_a_fresh_started_emulator(fake_sendgrid: FakeSendGrid) -> None:
    assert fake_sendgrid.running
    assert fake_sendgrid.requests() == []


def test_module_serves_until_interrupted() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "segment_sendgrid.testing", "--port", "0", "--api-key", "SG.cli"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        second = process.stdout.readline()
        assert first.startswith("FakeSendGrid serving at http://127.0.0.1:"), first
        assert second.strip() == "API key: SG.cli"
        url = first.rsplit(" ", 1)[1].strip()
        request = urllib.request.Request(
            url + "/v3/scopes", headers={"Authorization": "Bearer SG.cli"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert "mail.send" in json.loads(response.read())["scopes"]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_module_reports_a_busy_port() -> None:
    with FakeSendGrid() as fake:
        done = subprocess.run(
            [sys.executable, "-m", "segment_sendgrid.testing", "--port", str(fake.port)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert done.returncode == 2
    assert "cannot listen" in done.stderr


@pytest.mark.parametrize("flag", ["--help"])
def test_module_help(flag: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "segment_sendgrid.testing", flag],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0
    assert "--import-delay-ms" in done.stdout
