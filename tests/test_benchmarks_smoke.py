"""Smoke test of ``benchmarks/run.py``: the pipelines it times deliver every record and
the hand-written baseline stores the same contacts as the library. No timing is checked."""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import shutil
import subprocess
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


def test_table_pipelines_store_the_same_contacts(run: Any, fake_sendgrid: FakeSendGrid) -> None:
    """W1-T rows (``benchmarks/tables.py``): the table, its ``to_pylist()`` and the
    hand-written ``to_dict("records")`` baseline store the same contacts."""
    pytest.importorskip("pyarrow")
    tables = importlib.import_module("tables")
    for name, kind in tables.CUSTOM_FIELDS:
        fake_sendgrid.add_custom_field(name, kind)
    client = tables.sg.Client(fake_sendgrid.api_key, endpoint=fake_sendgrid.url)
    table = tables.w1t_table(300)
    mapping = tables.UPSERT_MAPPING
    report = client.upsert_contacts(table, mapping=mapping, use_default_mapping=False)
    assert (report.accepted, len(report.failed)) == (300, 0)
    ours = stored(fake_sendgrid)
    assert len(ours) == 300
    assert all(len(c["custom_fields"]) == 3 for c in ours)

    for events in (table.to_pylist(), None):
        fake_sendgrid.reset()
        for name, kind in tables.CUSTOM_FIELDS:
            fake_sendgrid.add_custom_field(name, kind)
        if events is not None:
            client.upsert_contacts(events, mapping=mapping, use_default_mapping=False)
        else:
            pytest.importorskip("pandas")
            pytest.importorskip("sendgrid")
            url, key = fake_sendgrid.url, fake_sendgrid.api_key
            result = tables.upsert_official_rows(url, key, table.to_pandas(), chunk=120)
            assert (result["accepted"], result["requests"]) == (300, 3)
        assert stored(fake_sendgrid) == ours, "every path must store the same contacts"


def test_table_send_pipelines_reach_every_recipient(run: Any, fake_sendgrid: FakeSendGrid) -> None:
    pytest.importorskip("pyarrow")
    tables = importlib.import_module("tables")
    template = fake_sendgrid.add_template("Welcome", versions=run.TEMPLATE_VERSIONS)
    client = tables.sg.Client(fake_sendgrid.api_key, endpoint=fake_sendgrid.url)
    table = tables.mail_table(50)
    report = client.send_dynamic_templates(table, mapping=tables.send_table_mapping(template))
    assert (report.accepted, report.requests) == (50, 1)
    pytest.importorskip("pandas")
    pytest.importorskip("sendgrid")
    url, key = fake_sendgrid.url, fake_sendgrid.api_key
    result = tables.send_official_rows(url, key, template, table.slice(0, 5).to_pandas())
    assert (result["accepted"], result["requests"]) == (5, 5)
    personalizations = [p for m in fake_sendgrid.messages() for p in m["body"]["personalizations"]]
    assert len(personalizations) == 55


def test_tables_section_quick(run: Any) -> None:
    """The ``tables`` section end to end at tiny sizes (worker processes, emulator, sink)."""
    pytest.importorskip("pyarrow")
    pytest.importorskip("pandas")
    tables = importlib.import_module("tables")
    official = importlib.util.find_spec("sendgrid") is not None
    emulator = run.Emulator()
    try:
        table, results = tables.tables_section(emulator, 300, 20, 1_000, official, 1)
    finally:
        emulator.close()
    for key, result in results.items():
        if isinstance(result, dict):
            assert result["verified"], (key, result)
    assert results["parquet"]["stored"] == 1_000
    assert "Parquet" in table.markdown()


def test_spark_benchmark_stores_every_row(tmp_path: Path) -> None:
    """``benchmarks/spark.py`` at a tiny size, in a process of its own (it starts Spark and
    sets ``SENDGRID_API_KEY``): it fails unless both paths store every row exactly once."""
    if not (BENCHMARKS / "spark.py").exists():
        pytest.skip("benchmarks/ is not next to tests/")
    for module in ("pyspark", "pyarrow"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"the Spark benchmark needs {module}")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs Java")
    out = tmp_path / "spark.json"
    command = [sys.executable, str(BENCHMARKS / "spark.py"), "--rows", "3000", "--repeat", "1"]
    command += ["--partitions", "4", "--json", str(out)]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-4000:]
    data = json.loads(out.read_text())
    for name in ("datasource", "recipe"):
        assert len(data[name]["runs"]) == 1
        # The last run of each path lists the emulator's contacts.
        assert data[name]["contacts"] == data[name]["with_city"] == 3_000, data[name]
        assert data[name]["requested"] == data[name]["created"] == 3_000
    assert data["ratio"] > 0
    assert "Spark local[2]" in proc.stdout
