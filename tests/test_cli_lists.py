"""``segment-sendgrid sync-list`` and ``delete-contacts``: what they change,
their guards (exit 2, nothing changed), dry runs and summaries."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import KEY, cli, write_jsonl

from segment_sendgrid.testing import FakeSendGrid


@pytest.fixture
def fake() -> Iterator[FakeSendGrid]:
    with FakeSendGrid(api_key=KEY) as emulator:
        yield emulator


def people(tmp_path: Path, name: str, numbers: range) -> str:
    lines = [{"traits": {"email": f"p{i}@example.com"}} for i in numbers]
    return str(write_jsonl(tmp_path / name, lines))


def members(fake: FakeSendGrid, list_id: str) -> set[str]:
    return {c["email"] for c in fake.contacts() if list_id in c["list_ids"]}


def test_sync_list_add_and_remove(fake: FakeSendGrid, tmp_path: Path) -> None:
    vip = fake.add_list("VIP")
    run = cli("sync-list", people(tmp_path, "a.jsonl", range(5)), "--endpoint", fake.url,
              "--list-name", "VIP", "--wait", "--json")  # fmt: skip
    assert run.code == 0, run.err
    assert (run.json()["accepted"], run.json()["removed"]) == (5, 0)
    run = cli("sync-list", people(tmp_path, "r.jsonl", range(2)), "--endpoint", fake.url,
              "--list-id", vip, "--mode", "remove")  # fmt: skip
    assert run.code == 0, run.err
    assert "removed      2 list members" in run.out
    assert members(fake, vip) == {f"p{i}@example.com" for i in range(2, 5)}
    assert KEY not in run.out + run.err


def test_delete_contacts_guard_dry_run_and_run(fake: FakeSendGrid, tmp_path: Path) -> None:
    fake.client().upsert_contacts(
        [{"traits": {"email": f"p{i}@example.com"}} for i in range(4)], wait=True
    )
    doomed = people(tmp_path, "d.jsonl", range(3))
    refused = cli("delete-contacts", doomed, "--endpoint", fake.url, "--max-deletes", "2")
    assert refused.code == 2
    assert "would delete 3 contacts, more than max_deletes=2" in refused.err
    assert len(fake.contacts()) == 4
    plan = cli("delete-contacts", doomed, "--endpoint", fake.url, "--max-deletes", "3", "--dry-run")
    assert plan.code == 0, plan.err
    [line] = plan.out.splitlines()
    assert line.startswith("DELETE /v3/marketing/contacts?ids=")
    assert "deleted      3 contacts would be" in plan.err
    assert len(fake.contacts()) == 4
    done = cli(
        "delete-contacts", doomed, "--endpoint", fake.url, "--max-deletes", "3", "--wait", "--json"
    )
    assert done.code == 0, done.err
    assert done.json()["deleted"] == 3
    assert [c["email"] for c in fake.contacts()] == ["p3@example.com"]


def test_usage_errors(fake: FakeSendGrid, tmp_path: Path) -> None:
    source = people(tmp_path, "a.jsonl", range(1))
    run = cli("sync-list", source, "--endpoint", fake.url, "--list-id", "L", "--mode", "mirror")
    assert run.code == 2
    assert "max_removals" in run.err
    run = cli("sync-list", source, "--list-id", "L", "--list-name", "N")
    assert run.code == 2
    assert "not allowed with" in run.err
    run = cli("delete-contacts", source, "--endpoint", fake.url)
    assert run.code == 2
    assert "--max-deletes" in run.err
