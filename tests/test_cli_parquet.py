"""``.parquet`` input: the library streams the file by row group and maps its
rows in Rust; a bad row fails alone (line = row number), --dry-run and
--failed-out work as for JSONL, and a file or column the CLI cannot use is a
one-line usage error."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from cli_helpers import KEY, Run, cli, script, write_jsonl

from segment_sendgrid.testing import FakeSendGrid


@pytest.fixture
def fake() -> Iterator[FakeSendGrid]:
    with FakeSendGrid(api_key=KEY) as emulator:
        yield emulator


def write_parquet(path: Path, table: pa.Table, row_group_size: int = 3) -> Path:
    pq.write_table(table, path, row_group_size=row_group_size)
    return path


def one_line_error(run: Run) -> str:
    """A usage error: exit 2, one line on stderr, no traceback."""
    assert run.code == 2, run.err
    assert b"Traceback" not in run.stderr
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    return lines[0]


def people(count: int) -> list[dict[str, Any]]:
    return [
        {
            "userId": f"u{i}",
            "traits": {"email": f"p{i}@example.com", "first_name": f"Name{i}", "score": i / 2},
        }
        for i in range(count)
    ]


SCORE_MAPPING = {"customFields": {"score": {"@path": "$.traits.score"}}}


def test_a_bad_row_fails_alone_with_its_row_number(fake: FakeSendGrid, tmp_path: Path) -> None:
    fake.add_custom_field("score", "Number")
    rows = people(10)
    rows[4]["traits"]["email"] = None  # no identifier: invalid before sending
    rows[7]["traits"]["score"] = float("nan")  # read by the mapping: no JSON form
    path = write_parquet(tmp_path / "people.parquet", pa.Table.from_pylist(rows))
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(SCORE_MAPPING))
    dead = tmp_path / "failed.jsonl"
    run = cli(
        "upsert-contacts", str(path), "--endpoint", fake.url, "--mapping", str(mapping),
        "--failed-out", str(dead), "--json",
    )  # fmt: skip
    assert run.code == 1, run.err
    summary = run.json()
    assert (summary["records"], summary["accepted"], summary["failed"]) == (10, 8, 2)
    assert [f["line"] for f in summary["failures"]] == [5, 8]
    entries = [json.loads(x) for x in dead.read_text(encoding="utf-8").splitlines()]
    assert [e["line"] for e in entries] == [5, 8]
    assert entries[0]["record"] == rows[4]
    assert (entries[0]["outcome"], entries[0]["status"]) == ("invalid", None)
    assert "identifying field" in entries[0]["reason"]
    assert entries[1]["record"] is None  # the row has no JSON form
    assert "traits.score" in entries[1]["reason"]
    assert "nan" in entries[1]["reason"]
    emails = sorted(c["email"] for c in fake.contacts())
    assert emails == sorted(f"p{i}@example.com" for i in range(10) if i not in (4, 7))


def test_dry_run_bodies_equal_those_of_the_same_jsonl(fake: FakeSendGrid, tmp_path: Path) -> None:
    rows = people(20)
    parquet = write_parquet(tmp_path / "people.PARQUET", pa.Table.from_pylist(rows), 7)
    jsonl = write_jsonl(tmp_path / "people.jsonl", list(rows))
    common = ["--endpoint", fake.url, "--dry-run", "--concurrency", "1"]
    from_parquet = cli("upsert-contacts", str(parquet), *common, "--json")
    from_jsonl = cli("upsert-contacts", str(jsonl), *common)
    assert from_parquet.code == 0, from_parquet.err
    assert from_jsonl.code == 0, from_jsonl.err
    assert from_parquet.stdout == from_jsonl.stdout
    assert b"p19@example.com" in from_parquet.stdout
    summary = json.loads(from_parquet.stderr)
    assert (summary["records"], summary["accepted"], summary["dry_run"]) == (20, 20, True)
    assert fake.contacts() == []


def test_struct_columns_and_dotted_names_nest(fake: FakeSendGrid, tmp_path: Path) -> None:
    table = pa.table(
        {
            "traits.email": ["a@example.com", "b@example.com"],
            " traits.first_name ": ["Ada", None],  # a null cell is no value
            "traits.address": pa.array(
                [{"city": "London", "country": "UK"}, {"city": "Paris", "country": None}]
            ),
        }
    )
    path = write_parquet(tmp_path / "people.parquet", table, 1)
    run = cli("upsert-contacts", str(path), "--endpoint", fake.url)
    assert run.code == 0, run.err
    assert "2 records" in run.out
    stored = {c["email"]: c for c in fake.contacts()}
    assert (stored["a@example.com"]["first_name"], stored["a@example.com"]["city"]) == (
        "Ada",
        "London",
    )
    assert stored["a@example.com"]["country"] == "UK"
    assert stored["b@example.com"]["city"] == "Paris"
    assert not stored["b@example.com"].get("first_name")


def test_send_emails_from_parquet(fake: FakeSendGrid, tmp_path: Path) -> None:
    template = fake.add_template("Welcome")
    orders = [
        {"event": "Order Completed", "properties": {"email": f"p{i}@example.com", "n": i}}
        for i in range(12)
    ]
    path = write_parquet(tmp_path / "orders.parquet", pa.Table.from_pylist(orders), 5)
    mapping = tmp_path / "send.json"
    mapping.write_text(
        json.dumps(
            {
                "from": {"email": "shop@example.com"},
                "template_id": template,
                "dynamic_template_data": {"n": {"@path": "$.properties.n"}},
            }
        )
    )
    run = cli("send-emails", str(path), "--endpoint", fake.url, "--mapping", str(mapping), "--json")
    assert run.code == 0, run.err
    summary = run.json()
    assert (summary["records"], summary["accepted"], summary["message_ids"]) == (12, 12, 12)
    sent = [p for m in fake.messages() for p in m["body"]["personalizations"]]
    assert sorted(p["dynamic_template_data"]["n"] for p in sent) == list(range(12))


def test_a_file_that_is_not_parquet(fake: FakeSendGrid, tmp_path: Path) -> None:
    path = tmp_path / "people.parquet"
    path.write_text('{"traits": {"email": "a@example.com"}}\n')
    message = one_line_error(cli("upsert-contacts", str(path), "--endpoint", fake.url))
    assert str(path) in message
    assert "not a Parquet file" in message
    missing = tmp_path / "missing.parquet"
    message = one_line_error(cli("upsert-contacts", str(missing), "--endpoint", fake.url))
    assert f"cannot read {missing}" in message
    assert fake.requests() == []


def test_a_binary_column_the_mapping_reads(fake: FakeSendGrid, tmp_path: Path) -> None:
    table = pa.table({"traits.email": ["a@example.com"], "traits.photo": [b"\x89PNG"]})
    path = write_parquet(tmp_path / "people.parquet", table)
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"first_name": {"@path": "$.traits.photo"}}))
    run = cli("upsert-contacts", str(path), "--endpoint", fake.url, "--mapping", str(mapping))
    message = one_line_error(run)
    assert f'{path}: column "traits.photo" is Binary' in message
    assert fake.contacts() == []
    # A binary column nothing reads is no problem.
    run = cli("upsert-contacts", str(path), "--endpoint", fake.url)
    assert run.code == 0, run.err
    assert [c["email"] for c in fake.contacts()] == ["a@example.com"]


def test_columns_that_do_not_nest(fake: FakeSendGrid, tmp_path: Path) -> None:
    table = pa.table({"traits.email": ["a@example.com"], "traits": ["x"]})
    path = write_parquet(tmp_path / "people.parquet", table)
    message = one_line_error(cli("upsert-contacts", str(path), "--endpoint", fake.url))
    assert message.endswith(
        f'{path}: column "traits" is both a value and the parent of "traits.email"'
    )


def test_parquet_on_stdin_is_a_usage_error(fake: FakeSendGrid, tmp_path: Path) -> None:
    path = write_parquet(tmp_path / "people.parquet", pa.Table.from_pylist(people(2)))
    run = cli("upsert-contacts", "-", "--endpoint", fake.url, stdin=path.read_bytes())
    assert "Parquet" in one_line_error(run)
    other = tmp_path / "people.data"
    other.write_bytes(path.read_bytes())
    run = cli("upsert-contacts", str(other), "--endpoint", fake.url)
    assert ".parquet" in one_line_error(run)
    assert fake.contacts() == []


def test_ctrl_c_writes_the_summary_and_every_row_not_accepted(
    fake: FakeSendGrid, tmp_path: Path
) -> None:
    rows = 400
    template = fake.add_template("Order")
    mapping = tmp_path / "mapping.json"
    # A category of its own per mail: no two mails share a request.
    mapping.write_text(
        json.dumps(
            {
                "from": {"email": "shop@example.com"},
                "template_id": template,
                "categories": {"@path": "$.properties.tags"},
            }
        )
    )
    orders = [
        {"properties": {"email": f"p{i}@example.com", "tags": [f"t{i}"]}} for i in range(rows)
    ]
    path = write_parquet(tmp_path / "orders.parquet", pa.Table.from_pylist(orders), 50)
    failed_out = tmp_path / "failed.jsonl"
    fake.set_latency(100)
    environment = {**os.environ, "SENDGRID_API_KEY": KEY, "PYTHONWARNINGS": "ignore"}
    command = [script(), "send-emails", str(path), "--mapping", str(mapping)]
    command += ["--endpoint", fake.url, "--failed-out", str(failed_out), "--json"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment
    )
    try:
        deadline = time.monotonic() + 30
        while len(fake.messages()) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert fake.messages(), "the command sent nothing"
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, stderr.decode()
    assert b"interrupted" in stderr
    assert b"Traceback" not in stderr
    summary = json.loads(stdout)
    assert summary["error"] == "interrupted (Ctrl-C)"
    assert 0 < summary["accepted"] < summary["records"] <= rows
    lines = [json.loads(line) for line in failed_out.read_text().splitlines()]
    assert summary["accepted"] + len(lines) == summary["records"]
    assert {line["outcome"] for line in lines} <= {"not_sent", "unknown"}
    # Each failed row is named by its number and comes with its record.
    assert all(line["record"] == orders[line["line"] - 1] for line in lines)
    delivered = {
        p["to"][0]["email"] for m in fake.messages() for p in m["body"]["personalizations"]
    }
    assert delivered.isdisjoint(line["record"]["properties"]["email"] for line in lines)


def test_a_row_group_that_cannot_be_read_stops_the_run(fake: FakeSendGrid, tmp_path: Path) -> None:
    rows = [{"traits": {"email": f"p{i}@example.com"}} for i in range(40)]
    path = write_parquet(tmp_path / "people.parquet", pa.Table.from_pylist(rows), 10)
    # Overwrite the start of the third row group's data page.
    offset = pq.ParquetFile(path).metadata.row_group(2).column(0).data_page_offset
    data = bytearray(path.read_bytes())
    data[offset : offset + 40] = b"\xff" * 40
    path.write_bytes(bytes(data))
    run = cli("upsert-contacts", str(path), "--endpoint", fake.url, "--json")
    assert run.code == 2, run.err
    assert b"Traceback" not in run.stderr
    assert run.err.startswith(f"segment-sendgrid: error: {path}: ")
    assert run.json()["error"].startswith("CliError: ")
    # Read one row group at a time: the two before the broken one went out.
    assert run.json()["accepted"] == 20
    assert len(fake.contacts()) == 20


def test_a_run_stopped_by_sendgrid_reports_every_row_of_the_file(
    fake: FakeSendGrid, tmp_path: Path
) -> None:
    # The field definitions cannot be fetched: the run stops at its first
    # record with custom fields, and no row of the file may go unreported.
    fake.add_custom_field("score", "Number")
    fake.fail_next("/v3/marketing/field_definitions", 500, count=50)
    path = write_parquet(tmp_path / "people.parquet", pa.Table.from_pylist(people(25)), 4)
    out = tmp_path / "failed.jsonl"
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(SCORE_MAPPING))
    run = cli(
        "upsert-contacts",
        str(path),
        "--endpoint",
        fake.url,
        "--mapping",
        str(mapping),
        "--failed-out",
        str(out),
        "--json",
    )
    assert run.code == 1, run.err
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["line"] for line in lines] == list(range(1, 26))
    assert run.json()["records"] == 25
    assert fake.contacts() == []
