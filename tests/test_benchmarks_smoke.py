"""Smoke test of ``benchmarks/run.py``: the pipelines it times deliver every record and
the hand-written baseline stores the same contacts as the library. No timing is checked."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from segment_sendgrid.testing import FakeSendGrid

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
VOLATILE = {"id", "created_at", "updated_at", "_metadata"}


@pytest.fixture(scope="module")
def run() -> SimpleNamespace:
    """The names of ``run.py``'s pipelines and harness (loading ``run.py`` puts
    ``benchmarks/`` on ``sys.path``, as running it does)."""
    if not (BENCHMARKS / "run.py").exists():
        pytest.skip("benchmarks/ is not next to tests/")
    spec = importlib.util.spec_from_file_location("bench_run", BENCHMARKS / "run.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = module
    spec.loader.exec_module(module)
    parts = [importlib.import_module(name) for name in ("emulator_host", "pipelines", "harness")]
    return SimpleNamespace(**{k: v for part in parts for k, v in vars(part).items()})


def stored(fake: FakeSendGrid) -> list[dict[str, Any]]:
    contacts = [{k: v for k, v in c.items() if k not in VOLATILE} for c in fake.contacts()]
    return sorted(contacts, key=lambda c: str(c["email"]))


def test_upsert_pipeline_stores_every_w1_contact(run: Any, fake_sendgrid: FakeSendGrid) -> None:
    events = list(run.upsert_events(2_000))
    result = run.upsert_ours(fake_sendgrid.url, fake_sendgrid.api_key, iter(events))
    assert (result["accepted"], result["failed"]) == (2_000, 0)
    ours = stored(fake_sendgrid)
    assert len(ours) == 2_000
    assert all(c["email"].isascii() for c in ours)

    pytest.importorskip("sendgrid")
    fake_sendgrid.reset()
    events = list(run.upsert_events(2_000))
    result = run.upsert_official(fake_sendgrid.url, fake_sendgrid.api_key, events, chunk=700)
    assert (result["accepted"], result["requests"]) == (2_000, 3)
    assert stored(fake_sendgrid) == ours, "the baseline must store what the library stores"


def test_send_pipeline_reaches_every_recipient(run: Any, fake_sendgrid: FakeSendGrid) -> None:
    template = fake_sendgrid.add_template("Welcome", versions=run.TEMPLATE_VERSIONS)
    url, key = fake_sendgrid.url, fake_sendgrid.api_key
    result = run.send_ours(url, key, template, run.mail_events(60), merge=True, concurrency=4)
    assert (result["accepted"], result["requests"]) == (60, 1)
    result = run.send_ours(url, key, template, run.mail_events(20), merge=False, concurrency=16)
    assert (result["accepted"], result["requests"]) == (20, 20)
    recipients = [
        to["email"]
        for m in fake_sendgrid.messages()
        for p in m["body"]["personalizations"]
        for to in p["to"]
    ]
    assert len(recipients) == 80

    pytest.importorskip("sendgrid")
    result = run.send_official(url, key, template, run.mail_events(10), threads=4)
    assert result["accepted"] == 10
    assert len(fake_sendgrid.messages()) == 31


def test_worker_process_against_emulator_process(run: Any) -> None:
    emulator = run.Emulator()
    try:
        result = run.run_worker(emulator, 0, {"kind": "upsert-ours", "count": 500})
        assert result["verified"], result
        assert result["stored"] == 500
        assert result["cpu_s"] > 0
        assert result["peak_rss_mb"] > 0
    finally:
        emulator.close()
