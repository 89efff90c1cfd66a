"""The installed ``segment-sendgrid`` script against an emulator in this
process: JSONL, CSV and stdin input, mappings, lists, sends, --dry-run
(byte-identical to a real run) and --failed-out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import KEY, RecordingProxy, cli, write_jsonl

from segment_sendgrid.testing import FakeSendGrid


@pytest.fixture
def fake() -> Iterator[FakeSendGrid]:
    with FakeSendGrid(api_key=KEY) as emulator:
        yield emulator


@pytest.fixture
def proxy(fake: FakeSendGrid) -> Iterator[RecordingProxy]:
    recorder = RecordingProxy(fake.url)
    yield recorder
    recorder.close()


def person(i: int, **traits: Any) -> dict[str, Any]:
    return {
        "type": "identify",
        "userId": f"u{i}",
        "traits": {"email": f"p{i}@example.com", **traits},
    }


def order(i: int) -> dict[str, Any]:
    return {"event": "Order Completed", "properties": {"email": f"p{i}@example.com", "n": i}}


def send_mapping(tmp_path: Path, template: str) -> Path:
    mapping = {
        "from": {"email": "shop@example.com", "name": "Shop"},
        "template_id": template,
        "dynamic_template_data": {"n": {"@path": "$.properties.n"}},
    }
    path = tmp_path / "send.json"
    path.write_text(json.dumps(mapping))
    return path


def test_jsonl_upsert_with_custom_fields_a_list_and_wait(
    fake: FakeSendGrid, tmp_path: Path
) -> None:
    plan = fake.add_custom_field("plan", "Text")
    vip = fake.add_list("VIP")
    people = write_jsonl(tmp_path / "people.jsonl", [person(i, plan="pro") for i in range(25)])
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"customFields": {"plan": {"@path": "$.traits.plan"}}}))
    run = cli(
        "upsert-contacts", str(people), "--endpoint", fake.url, "--mapping", str(mapping),
        "--list-id", vip, "--wait", "--json",
    )  # fmt: skip
    assert run.code == 0, run.err
    summary = run.json()
    assert (summary["records"], summary["accepted"], summary["failed"]) == (25, 25, 0)
    assert summary["requests"] == 1
    assert summary["imports"][0]["status"] == "completed"
    stored = fake.contacts()
    assert len(stored) == 25
    assert all(c["list_ids"] == [vip] and c["custom_fields"][plan] == "pro" for c in stored)


def test_csv_upsert_nests_dotted_columns(fake: FakeSendGrid, tmp_path: Path) -> None:
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(
        "traits.email,traits.first_name,traits.address.city\n"
        "a@example.com,Ada,London\n"
        '"b@example.com","Bob, Jr.",\n',
        encoding="utf-8",
    )
    run = cli("upsert-contacts", str(csv_file), "--endpoint", fake.url)
    assert run.code == 0, run.err
    assert "2 records" in run.out
    assert "accepted     2" in run.out
    stored = {c["email"]: c for c in fake.contacts()}
    assert stored["a@example.com"]["city"] == "London"
    assert stored["b@example.com"]["first_name"] == "Bob, Jr."
    assert not stored["b@example.com"].get("city")  # empty cells are left out


@pytest.mark.parametrize("kind", ["jsonl", "csv"])
def test_stdin_input(fake: FakeSendGrid, kind: str) -> None:
    if kind == "jsonl":
        data = "\n".join(json.dumps(person(i)) for i in range(3)) + "\n"
    else:
        data = "traits.email\n" + "".join(f"p{i}@example.com\n" for i in range(3))
    run = cli("upsert-contacts", "-", "--endpoint", fake.url, "--json", stdin=data.encode())
    assert run.code == 0, run.err
    assert run.json()["input"] == "<stdin>"
    assert sorted(c["email"] for c in fake.contacts()) == [f"p{i}@example.com" for i in range(3)]


def test_send_emails_through_a_template(fake: FakeSendGrid, tmp_path: Path) -> None:
    template = fake.add_template("Welcome")
    orders = write_jsonl(tmp_path / "orders.jsonl", [order(i) for i in range(12)])
    mapping = send_mapping(tmp_path, template)
    run = cli(
        "send-emails", str(orders), "--endpoint", fake.url, "--mapping", str(mapping), "--json"
    )
    assert run.code == 0, run.err
    summary = run.json()
    assert (summary["accepted"], summary["message_ids"], summary["requests"]) == (12, 12, 1)
    sent = fake.messages()[0]["body"]["personalizations"]
    assert [p["dynamic_template_data"]["n"] for p in sent] == list(range(12))
    # --sandbox sets sandbox mode; --no-check-template skips the template lookup.
    before = len(fake.requests())
    run = cli(
        "send-emails", str(orders), "--endpoint", fake.url, "--mapping", str(mapping),
        "--sandbox", "--no-check-template", "--quiet",
    )  # fmt: skip
    assert run.code == 0, run.err
    new = fake.requests()[before:]
    assert [r["method"] for r in new] == ["POST"]


def test_upsert_dry_run_prints_exactly_what_a_real_run_sends(
    fake: FakeSendGrid, proxy: RecordingProxy, tmp_path: Path
) -> None:
    fake.add_custom_field("plan", "Text")
    vip = fake.add_list("VIP")
    records = [person(i, plan="pro", first_name="Zoë") for i in range(40)]
    records[5] = {"traits": {"first_name": "no identifier"}}  # fails before sending
    people = write_jsonl(tmp_path / "people.jsonl", records)
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"customFields": {"plan": {"@path": "$.traits.plan"}}}))
    args = ["upsert-contacts", str(people), "--endpoint", proxy.url, "--mapping", str(mapping)]
    args += ["--list-id", vip, "--concurrency", "1"]
    dry = cli(*args, "--dry-run")
    assert dry.code == 1, dry.err
    bodies = dry.stdout.splitlines()
    assert len(bodies) == 1
    assert "Zoë".encode() in bodies[0]
    assert proxy.bodies("PUT") == []
    assert fake.contacts() == []
    assert "dry run" in dry.err  # the summary goes to stderr
    real = cli(*args)
    assert real.code == 1, real.err
    assert proxy.bodies("PUT") == bodies
    assert len(fake.contacts()) == 39


def test_send_dry_run_prints_exactly_what_a_real_run_sends(
    fake: FakeSendGrid, proxy: RecordingProxy, tmp_path: Path
) -> None:
    template = fake.add_template("Welcome")
    orders = [order(i) for i in range(30)]
    path = write_jsonl(tmp_path / "orders.jsonl", orders)
    args = ["send-emails", str(path), "--endpoint", proxy.url, "--concurrency", "1"]
    args += ["--mapping", str(send_mapping(tmp_path, template))]
    dry = cli(*args, "--dry-run", "--json")
    assert dry.code == 0, dry.err
    assert json.loads(dry.stderr)["request_bodies"] == 1
    bodies = dry.stdout.splitlines()
    assert proxy.bodies("POST") == []
    assert [r.method for r in proxy.seen] == ["GET"]  # only the template check
    real = cli(*args)
    assert real.code == 0, real.err
    assert proxy.bodies("POST") == bodies
    assert [m["body"] for m in fake.messages()] == [json.loads(b) for b in bodies]


def test_failed_out_holds_exactly_the_failing_records(fake: FakeSendGrid, tmp_path: Path) -> None:
    lines: list[Any] = [person(i) for i in range(10)]
    lines[2] = person(2, email="not-an-email")  # SendGrid answers 400 for it alone
    lines[4] = {"traits": {"first_name": "no identifier"}}  # invalid before sending
    lines[7] = '{"traits": {"email": "broken@example.com"'  # invalid JSON
    people = write_jsonl(tmp_path / "people.jsonl", lines)
    dead = tmp_path / "failed.jsonl"
    run = cli("upsert-contacts", str(people), "--endpoint", fake.url, "--failed-out", str(dead))
    assert run.code == 1
    entries = [json.loads(x) for x in dead.read_text(encoding="utf-8").splitlines()]
    assert [e["line"] for e in entries] == [3, 5, 8]
    assert entries[0]["record"] == lines[2]
    assert (entries[0]["status"], entries[0]["outcome"]) == (400, "rejected")
    assert "not valid" in entries[0]["reason"]
    assert entries[1]["record"] == lines[4]
    assert (entries[1]["status"], entries[1]["outcome"]) == (None, "invalid")
    assert entries[2]["record"] is None
    assert entries[2]["raw"] == lines[7]
    assert len(fake.contacts()) == 7
    assert f"all written to {dead}" in run.out
