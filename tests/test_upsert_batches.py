"""Upsert Contact from Python against the emulator: streaming batches, faults, isolation."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

import segment_sendgrid as sg
from segment_sendgrid.testing import FakeSendGrid


def contacts(n: int, start: int = 0) -> Iterator[dict[str, Any]]:
    for i in range(start, start + n):
        yield {"type": "identify", "traits": {"email": f"user{i}@example.com", "first_name": "Zoë"}}


def contact_puts(fake: FakeSendGrid) -> list[dict[str, Any]]:
    return [r for r in fake.requests() if r["method"] == "PUT"]


def test_single_upsert_maps_custom_fields_and_lists(fake_sendgrid: FakeSendGrid) -> None:
    plan = fake_sendgrid.add_custom_field("plan", "Text")
    newsletter = fake_sendgrid.add_list("newsletter")
    client = fake_sendgrid.client()
    result = client.upsert_contact(
        {"traits": {"email": "Ada@Example.com", "plan": "pro", "address": {"state": "CA"}}},
        mapping={"customFields": {"Plan": {"@path": "$.traits.plan"}}},
        list_ids=[newsletter],
    )
    assert result.status_code == 202
    assert result.job_id
    fake_sendgrid.import_jobs()  # import applied when the delay (0) passed
    stored = fake_sendgrid.contacts()
    assert len(stored) == 1
    assert stored[0]["email"] == "ada@example.com"
    assert stored[0]["custom_fields"][plan] == "pro"
    assert stored[0]["state_province_region"] == "CA"
    assert stored[0]["list_ids"] == [newsletter]


def test_single_upsert_raises_segment_messages(fake_sendgrid: FakeSendGrid) -> None:
    client = fake_sendgrid.client()
    with pytest.raises(sg.PayloadValidationError, match="at least one identifying field"):
        client.upsert_contact({"traits": {"first_name": "Nobody"}}, use_default_mapping=True)
    with pytest.raises(sg.PayloadValidationError, match="Unknown custom field 'shoe_size'"):
        client.upsert_contact(
            {"traits": {"email": "a@example.com", "shoe": 9}},
            mapping={"customFields": {"shoe_size": {"@path": "$.traits.shoe"}}},
        )
    with pytest.raises(TypeError, match="event must be a mapping"):
        client.upsert_contact([1, 2])  # type: ignore[arg-type]
    assert contact_puts(fake_sendgrid) == []


def test_seventy_thousand_contacts_from_a_generator_take_three_requests(
    fake_sendgrid: FakeSendGrid,
) -> None:
    report = fake_sendgrid.client().upsert_contacts(contacts(70_000), wait=True)
    assert (report.total, report.accepted, report.failed) == (70_000, 70_000, [])
    assert report.requests == 3
    assert len(report.job_ids) == 3
    assert sorted(job.requested for job in report.imports) == [10_000, 30_000, 30_000]
    assert all(job.status == "completed" for job in report.imports)
    assert sum(job.created for job in report.imports) == 70_000
    assert len(fake_sendgrid.contacts()) == 70_000


def test_invalid_records_fail_alone(fake_sendgrid: FakeSendGrid) -> None:
    events: list[Any] = list(contacts(1_000))
    events[10] = {"traits": {"email": "not-an-email"}}
    events[20] = ["not", "a", "mapping"]
    events[30] = {"traits": {"first_name": "no identifier"}}
    events[40] = {"traits": {"email": "x@example.com", "first_name": {"an": "object"}}}
    report = fake_sendgrid.client().upsert_contacts(events)
    assert report.total == 1_000
    assert report.accepted == 996
    by_index = {f.index: f for f in report.failed}
    assert sorted(by_index) == [10, 20, 30, 40]
    assert by_index[10].outcome == "rejected"
    assert by_index[10].status_code == 400
    assert "not-an-email" in by_index[10].reason
    assert by_index[20].reason == "record must be a mapping (dict) or its JSON text, got list"
    assert "identifying field" in by_index[30].reason
    assert "First Name" in by_index[40].reason
    assert all(f.outcome == "invalid" for i, f in by_index.items() if i != 10)
    assert len(fake_sendgrid.contacts()) == 996


def test_faults_end_with_every_contact_stored_once(fake_sendgrid: FakeSendGrid) -> None:
    path = "/v3/marketing/contacts"
    fake_sendgrid.fail_next(path, status=500, count=2)
    fake_sendgrid.fail_next(path, status=503, after_processing=True)
    fake_sendgrid.drop_next(path)
    client = fake_sendgrid.client(max_retries=8)
    report = client.upsert_contacts(contacts(5_000), list_ids=None)
    assert report.accepted == 5_000
    assert report.retries >= 4
    assert report.requests == 1 + report.retries
    emails = [c["email"] for c in fake_sendgrid.contacts()]
    assert len(emails) == len(set(emails)) == 5_000


def test_rate_limit_is_waited_out(fake_sendgrid: FakeSendGrid) -> None:
    fake_sendgrid.set_rate_limit(1, 1.0, path="/v3/marketing/contacts")
    client = fake_sendgrid.client(max_retries=10)
    report = client.upsert_contacts(contacts(60_001))
    assert report.accepted == 60_001
    assert len(fake_sendgrid.contacts()) == 60_001


def test_bad_key_raises_once_with_the_partial_report(fake_sendgrid: FakeSendGrid) -> None:
    client = sg.Client(api_key="SG.wrong", endpoint=fake_sendgrid.url)
    with pytest.raises(sg.AuthenticationError) as info:
        client.upsert_contacts(contacts(2_000))
    report = info.value.report  # type: ignore[attr-defined]
    assert isinstance(report, sg.BatchReport)
    assert report.accepted == 0
    assert report.accepted + len(report.failed) == report.total
    assert len([r for r in fake_sendgrid.requests() if r["status"] == 401]) == 1


def test_iterator_error_is_raised_after_in_flight_work(fake_sendgrid: FakeSendGrid) -> None:
    def rows() -> Iterator[dict[str, Any]]:
        yield from contacts(1_200)
        raise ConnectionError("warehouse cursor lost")

    with pytest.raises(ConnectionError, match="cursor lost") as info:
        fake_sendgrid.client().upsert_contacts(rows())
    report = info.value.report  # type: ignore[attr-defined]
    assert report.total == 1_200
    assert report.accepted == 1_200
    assert len(fake_sendgrid.contacts()) == 1_200


def test_records_with_their_own_lists_go_to_their_own_requests(
    fake_sendgrid: FakeSendGrid,
) -> None:
    a = fake_sendgrid.add_list("a")
    b = fake_sendgrid.add_list("b")
    events = [
        {"traits": {"email": f"u{i}@example.com"}, "lists": [a if i % 2 else b]} for i in range(10)
    ]
    report = fake_sendgrid.client().upsert_contacts(
        events, mapping={"list_ids": {"@path": "$.lists"}}
    )
    assert report.accepted == 10
    assert report.requests == 2
    by_email = {c["email"]: c["list_ids"] for c in fake_sendgrid.contacts()}
    assert by_email["u1@example.com"] == [a]
    assert by_email["u2@example.com"] == [b]


def test_sync_and_async_give_the_same_report(fake_sendgrid: FakeSendGrid) -> None:
    events = list(contacts(300))
    events[7] = {"traits": {"email": "broken"}}
    sync_report = fake_sendgrid.client().upsert_contacts(events)
    aclient = sg.AsyncClient(api_key=fake_sendgrid.api_key, endpoint=fake_sendgrid.url)

    async def main() -> sg.BatchReport:
        report: sg.BatchReport = await aclient.upsert_contacts(events)
        single: sg.UpsertResult = await aclient.upsert_contact(events[0])
        assert single.status_code == 202
        return report

    async_report = asyncio.run(main())
    assert (async_report.total, async_report.accepted) == (sync_report.total, sync_report.accepted)
    assert [f.to_dict() for f in async_report.failed] == [f.to_dict() for f in sync_report.failed]


def test_module_level_upsert_reuses_one_client(
    fake_sendgrid: FakeSendGrid, monkeypatch: pytest.MonkeyPatch
) -> None:
    from segment_sendgrid import _shortcuts

    monkeypatch.setenv("SENDGRID_API_KEY", fake_sendgrid.api_key)
    first = sg.upsert_contact({"traits": {"email": "m1@example.com"}}, endpoint=fake_sendgrid.url)
    second = sg.upsert_contact({"traits": {"email": "m2@example.com"}}, endpoint=fake_sendgrid.url)
    assert first.status_code == second.status_code == 202
    assert len([k for k in _shortcuts._clients if k[1] == fake_sendgrid.url]) == 1


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"list_ids": "abc"}, TypeError, "list_ids"),
        ({"list_ids": [1]}, TypeError, "list_ids"),
        ({"wait": 1}, TypeError, "wait"),
        ({"wait_timeout": 0}, sg.ConfigError, "wait_timeout"),
        ({"use_default_mapping": "yes"}, TypeError, "use_default_mapping"),
        ({"mapping": {"x": {"@path": 5}}}, sg.MappingError, "x"),
    ],
)
def test_bad_arguments_name_the_parameter(
    fake_sendgrid: FakeSendGrid, kwargs: dict[str, Any], error: type[Exception], name: str
) -> None:
    with pytest.raises(error) as info:
        fake_sendgrid.client().upsert_contacts(contacts(3), **kwargs)
    assert name in str(info.value)
    assert contact_puts(fake_sendgrid) == []
