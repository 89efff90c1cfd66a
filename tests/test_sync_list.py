"""``sync_list`` (add, remove, segment) and ``delete_contacts`` against the
emulator: what joins and leaves a list, what is deleted, the guard, dry runs,
lists found or created by name, and every record accounted for."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

import segment_sendgrid as sg
from segment_sendgrid.testing import FakeSendGrid


def person(i: int, **traits: Any) -> dict[str, Any]:
    return {"traits": {"email": f"p{i}@example.com", **traits}}


@pytest.fixture
def fake() -> Iterator[FakeSendGrid]:
    with FakeSendGrid() as emulator:
        yield emulator


def members(fake: FakeSendGrid, list_id: str) -> set[str]:
    return {c["email"] for c in fake.contacts() if list_id in c.get("list_ids", [])}


def test_add_then_remove_changes_membership_only(fake: FakeSendGrid) -> None:
    vip = fake.add_list("VIP")
    client = fake.client()
    report = client.sync_list(
        [person(i, first_name=f"P{i}") for i in range(10)], list_id=vip, wait=True
    )
    assert (report.total, report.accepted, report.failed) == (10, 10, [])
    assert members(fake, vip) == {f"p{i}@example.com" for i in range(10)}
    leaving = [person(i) for i in range(3)] + [person(99)]  # p99 is nobody's contact
    report = client.sync_list(leaving, list_id=vip, mode="remove")
    assert (report.total, report.accepted, report.removed) == (4, 4, 3)
    assert members(fake, vip) == {f"p{i}@example.com" for i in range(3, 10)}
    # The contacts stay, with their fields; nobody was created by a removal.
    contacts = {c["email"]: c for c in fake.contacts()}
    assert len(contacts) == 10
    assert contacts["p0@example.com"]["first_name"] == "P0"
    paths = [r["path"] for r in fake.requests() if r["method"] == "DELETE"]
    assert paths == [f"/v3/marketing/lists/{vip}/contacts"]


def test_segment_mode_follows_each_event(fake: FakeSendGrid) -> None:
    vip = fake.add_list("VIP")
    fake.client().sync_list([person(1), person(2)], list_id=vip, wait=True)

    def audience(i: int, member: bool) -> dict[str, Any]:
        personas = {"computation_class": "audience", "computation_key": "vip",
                    "external_audience_id": vip}  # fmt: skip
        return {"context": {"personas": personas},
                "traits": {"email": f"p{i}@example.com", "vip": member}}  # fmt: skip

    events = [audience(1, False), audience(3, True), {"traits": {"email": "x@example.com"}}]
    report = fake.client().sync_list(events, mode="segment", wait=True)
    assert (report.total, report.accepted, report.removed) == (3, 2, 1)
    [failure] = report.failed
    assert failure.index == 2
    assert failure.outcome == "invalid"
    assert "external_audience_id" in failure.reason
    assert members(fake, vip) == {"p2@example.com", "p3@example.com"}


def test_invalid_records_fail_alone_with_segments_messages(fake: FakeSendGrid) -> None:
    vip = fake.add_list("VIP")
    # A mapped field replaces the default one whole: email is mapped again.
    mapping = {
        "identifiers": {
            "email": {"@path": "$.traits.email"},
            "phone_number_id": {"@path": "$.traits.phone"},
        }
    }
    events: list[Any] = [
        person(0), {"traits": {"email": "bad"}}, person(2, phone="555"), "{not json",
    ]  # fmt: skip
    report = fake.client().sync_list(events, list_id=vip, mapping=mapping, wait=True)
    reasons = {f.index: f.reason for f in report.failed}
    assert reasons[1] == "Email Address must be a valid email address string but it was not."
    assert reasons[2] == "phone_number_id '555' is not valid"
    assert 3 in reasons
    assert report.accepted == 1
    assert members(fake, vip) == {"p0@example.com"}


def test_a_list_is_found_by_exact_name_or_created(fake: FakeSendGrid) -> None:
    fake.add_list("vip")
    first = fake.add_list("VIP")
    client = fake.client()
    client.sync_list([person(1)], list_name="VIP", wait=True)
    assert members(fake, first) == {"p1@example.com"}
    with pytest.raises(sg.ConfigError, match='no SendGrid list is named "Newcomers"'):
        client.sync_list([person(2)], list_name="Newcomers", create_list=False)
    with pytest.raises(sg.ConfigError, match="never to remove members from"):
        client.sync_list([person(2)], list_name="Newcomers", mode="remove")
    report = client.sync_list([person(2)], list_name="Newcomers", wait=True)
    assert report.accepted == 1
    lists = [
        r for r in fake.requests() if r["method"] == "POST" and r["path"] == "/v3/marketing/lists"
    ]
    assert len(lists) == 1


def test_a_dry_run_plans_and_changes_nothing(fake: FakeSendGrid) -> None:
    vip = fake.add_list("VIP")
    client = fake.client()
    client.sync_list([person(i) for i in range(3)], list_id=vip, wait=True)
    before = fake.contacts()
    report = client.sync_list([person(0), person(1)], list_id=vip, mode="remove", dry_run=True)
    assert (report.accepted, report.removed) == (2, 2)
    [line] = report.request_bodies
    assert line.startswith(f"DELETE /v3/marketing/lists/{vip}/contacts?contact_ids=")
    assert fake.contacts() == before
    added = client.sync_list([person(7)], list_id=vip, dry_run=True)
    assert '"p7@example.com"' in added.request_bodies[0]
    assert vip in added.request_bodies[0]
    assert fake.contacts() == before


def test_bad_arguments_raise_before_anything_is_read(fake: FakeSendGrid) -> None:
    client = fake.client()
    read: list[int] = []

    def events() -> Iterator[dict[str, Any]]:
        read.append(1)
        yield person(1)

    cases: list[tuple[dict[str, Any], str]] = [
        ({"list_id": "L", "mode": "mirror"}, "max_removals"),
        ({"mode": "mirror", "max_removals": 5}, "list_id or list_name"),
        ({"list_id": "L", "mode": "everything"}, "mode must be"),
        ({"list_id": "L", "max_removals": 5}, '"mirror" only'),
        ({"list_id": "L", "list_name": "N"}, "not both"),
    ]
    for kwargs, message in cases:
        with pytest.raises(sg.ConfigError, match=message):
            client.sync_list(events(), **kwargs)
    with pytest.raises(TypeError, match="max_removals"):
        client.sync_list([], list_id="L", mode="mirror", max_removals=True)
    with pytest.raises(TypeError, match="max_deletes must be 0 or more"):
        client.delete_contacts([], max_deletes=-1)
    assert read == []


def test_delete_contacts_is_guarded_then_deletes_and_verifies(fake: FakeSendGrid) -> None:
    client = fake.client()
    client.upsert_contacts([person(i) for i in range(3_500)], wait=True)
    doomed = [person(i) for i in range(3_100)] + [person(900_000)]
    with pytest.raises(sg.LimitExceededError) as refused:
        client.delete_contacts(doomed, max_deletes=3_000)
    assert (refused.value.count, refused.value.limit) == (3_100, 3_000)
    assert "3100" in str(refused.value)
    assert "nothing was changed" in str(refused.value)
    assert len(fake.contacts()) == 3_500
    assert not [r for r in fake.requests() if r["method"] == "DELETE"]
    report = client.delete_contacts(doomed, max_deletes=3_100, wait=True)
    assert (report.total, report.accepted, report.failed, report.deleted) == (
        3_101,
        3_101,
        [],
        3_100,
    )
    assert len(report.job_ids) == 31
    assert all(j.status == "completed" for j in report.imports)
    assert {c["email"] for c in fake.contacts()} == {
        f"p{i}@example.com" for i in range(3_100, 3_500)
    }
    for request in fake.requests():
        assert len(request["path"]) + len(request["query"]) < 8_000


def test_delete_contacts_dry_run_and_async(fake: FakeSendGrid) -> None:
    client = fake.client()
    client.upsert_contacts([person(i) for i in range(5)], wait=True)
    plan = client.delete_contacts([person(0), person(1)], max_deletes=2, dry_run=True)
    assert (plan.accepted, plan.deleted, plan.job_ids) == (2, 2, [])
    assert plan.request_bodies[0].startswith("DELETE /v3/marketing/contacts?ids=")
    assert len(fake.contacts()) == 5

    async def run() -> sg.BatchReport:
        aclient = sg.AsyncClient(api_key=fake.api_key, endpoint=fake.url)
        return await aclient.delete_contacts([person(0)], max_deletes=1, wait=True)

    report = asyncio.run(run())
    assert (report.accepted, report.deleted) == (1, 1)
    assert len(fake.contacts()) == 4


def test_async_sync_list(fake: FakeSendGrid) -> None:
    vip = fake.add_list("VIP")

    async def run() -> sg.BatchReport:
        client = sg.AsyncClient(api_key=fake.api_key, endpoint=fake.url)
        return await client.sync_list([person(1), person(2)], list_id=vip, wait=True)

    assert asyncio.run(run()).accepted == 2
    assert members(fake, vip) == {"p1@example.com", "p2@example.com"}


def test_a_refused_key_stops_with_the_report(fake: FakeSendGrid) -> None:
    vip = fake.add_list("VIP")
    client = sg.Client(api_key="SG.wrong", endpoint=fake.url)
    with pytest.raises(sg.AuthenticationError) as raised:
        client.sync_list([person(1), person(2)], list_id=vip, mode="remove")
    report = raised.value.report  # type: ignore[attr-defined]
    assert report.total == 2
    assert report.accepted == 0
    assert len(report.failed) == 2
