"""``sync_list(mode="mirror")`` against the emulator: the list ends up holding
exactly the input, members the input leaves out are removed (their contacts
stay), and ``max_removals`` refuses a run before any request that changes
anything. The members are read through a contact export, file by file."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import segment_sendgrid as sg
from segment_sendgrid.testing import FakeSendGrid

# Requests that change state (everything else is a read or an export, which
# changes no contact or list).
READS = {"GET"}
EXPORT = "/v3/marketing/contacts/exports"


def person(i: int) -> dict[str, Any]:
    return {"traits": {"email": f"m{i}@example.com"}}


def members(fake: FakeSendGrid, list_id: str) -> set[str]:
    return {c["email"] for c in fake.contacts() if list_id in c["list_ids"]}


@pytest.fixture(scope="module")
def fifty_thousand() -> Iterator[tuple[FakeSendGrid, str]]:
    """A list of 50,000 members (m0 … m49999), and 1,000 contacts outside it."""
    with FakeSendGrid() as fake:
        vip = fake.add_list("VIP")
        client = fake.client()
        client.sync_list((person(i) for i in range(50_000)), list_id=vip, wait=True)
        client.upsert_contacts((person(i) for i in range(50_000, 51_000)), wait=True)
        yield fake, vip


def test_a_mirror_over_max_removals_changes_nothing(
    fifty_thousand: tuple[FakeSendGrid, str],
) -> None:
    fake, vip = fifty_thousand
    before = len(fake.requests())
    # 45,000 rows: 40,000 of the members (m10000 … m49999) and 5,000 newcomers.
    rows = [person(i) for i in range(10_000, 55_000)]
    with pytest.raises(sg.LimitExceededError) as refused:
        fake.client().sync_list(rows, list_id=vip, mode="mirror", max_removals=5_000)
    assert (refused.value.count, refused.value.limit) == (10_000, 5_000)
    assert "remove 10000 members" in str(refused.value)
    report = refused.value.report  # type: ignore[attr-defined]
    assert (report.total, report.accepted) == (45_000, 0)
    assert {f.outcome for f in report.failed} == {"not_sent"}
    assert changes_since(fake, before) == []
    assert len(members(fake, vip)) == 50_000


def changes_since(fake: FakeSendGrid, before: int) -> list[tuple[str, str]]:
    return [
        (r["method"], r["path"])
        for r in fake.requests()[before:]
        if r["method"] not in READS and r["path"] != EXPORT
    ]


def test_a_mirror_leaves_exactly_the_input(fifty_thousand: tuple[FakeSendGrid, str]) -> None:
    fake, vip = fifty_thousand
    fake.set_export_file_bytes(400_000)  # several export files
    rows = [person(i) for i in range(10_000, 55_000)]
    contacts_before = len(fake.contacts())
    report = fake.client().sync_list(
        iter(rows), list_id=vip, mode="mirror", max_removals=10_000, wait=True
    )
    assert (report.total, report.accepted, report.failed) == (45_000, 45_000, [])
    assert (report.removed, report.not_removed) == (10_000, 0)
    assert members(fake, vip) == {f"m{i}@example.com" for i in range(10_000, 55_000)}
    # Nobody was deleted: the 10,000 who left are still contacts; the 4,000 rows
    # that were nobody's contact (m51000 …) are new ones.
    emails = {c["email"] for c in fake.contacts()}
    assert len(emails) == contacts_before + 4_000
    assert {f"m{i}@example.com" for i in range(10_000)} <= emails
    deletes = [r for r in fake.requests() if r["method"] == "DELETE"]
    assert deletes
    assert all(r["path"] == f"/v3/marketing/lists/{vip}/contacts" for r in deletes)
    assert len(deletes) == 100  # 100 ids per request
    assert all(len(r["path"]) + len(r["query"]) < 8_000 for r in deletes)
    downloads = [r for r in fake.requests() if r["path"].startswith("/downloads/contact-exports/")]
    assert len(downloads) > 1


def test_a_dry_run_mirror_plans_the_removals() -> None:
    with FakeSendGrid() as fake:
        vip = fake.add_list("VIP")
        client = fake.client()
        client.sync_list([person(i) for i in range(6)], list_id=vip, wait=True)
        before = len(fake.requests())
        report = client.sync_list(
            [person(0), person(1), person(9)], list_id=vip, mode="mirror", max_removals=4,
            dry_run=True,
        )  # fmt: skip
        assert (report.accepted, report.removed) == (3, 4)
        assert report.request_bodies[0].startswith('{"list_ids":["' + vip)
        assert report.request_bodies[1].startswith(f"DELETE /v3/marketing/lists/{vip}/contacts?")
        assert changes_since(fake, before) == []
        assert len(members(fake, vip)) == 6


def test_mirror_to_a_new_list_by_name_and_invalid_rows() -> None:
    with FakeSendGrid() as fake:
        rows = [person(1), {"traits": {"email": "not-an-email"}}, person(2)]
        report = fake.client().sync_list(
            rows, list_name="Fresh", mode="mirror", max_removals=0, wait=True
        )
        assert (report.total, report.accepted, report.removed) == (3, 2, 0)
        assert [f.index for f in report.failed] == [1]
        [fresh] = [c["list_ids"][0] for c in fake.contacts() if c["email"] == "m1@example.com"]
        assert members(fake, fresh) == {"m1@example.com", "m2@example.com"}


def test_a_member_is_matched_by_any_identifier() -> None:
    with FakeSendGrid() as fake:
        vip = fake.add_list("VIP")
        client = fake.client()
        mapping = {"identifiers": {"email": {"@path": "$.traits.email"},
                                   "external_id": {"@path": "$.userId"}}}  # fmt: skip
        # One member known by its external id only, one by its email.
        client.sync_list([{"userId": "u1"}, person(2)], list_id=vip, mapping=mapping, wait=True)
        report = client.sync_list([{"userId": "u1"}], list_id=vip, mapping=mapping,
                                  mode="mirror", max_removals=1, wait=True)  # fmt: skip
        assert (report.accepted, report.removed) == (1, 1)
        in_list = [c for c in fake.contacts() if vip in c["list_ids"]]
        assert [c.get("external_id") for c in in_list] == ["u1"]
