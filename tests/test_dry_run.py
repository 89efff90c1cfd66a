"""``dry_run=True`` on the batch methods: bodies recorded, nothing sent."""

from __future__ import annotations

import asyncio
import json
import pickle

import pytest

import segment_sendgrid as sg
from segment_sendgrid.testing import FakeSendGrid


def test_upsert_dry_run_sends_no_contact_and_returns_the_bodies(
    fake_sendgrid: FakeSendGrid,
) -> None:
    vip = fake_sendgrid.add_list("VIP")
    client = fake_sendgrid.client()
    events = [{"traits": {"email": f"p{i}@example.com"}} for i in range(5)] + [{}]
    report = client.upsert_contacts(events, list_ids=[vip], wait=True, dry_run=True)
    assert (report.total, report.accepted, report.requests) == (6, 5, 0)
    assert [f.index for f in report.failed] == [5]
    assert report.job_ids == []
    [body] = report.request_bodies
    assert json.loads(body)["list_ids"] == [vip]
    assert len(json.loads(body)["contacts"]) == 5
    # No record has custom fields: no lookup is needed, so nothing at all is sent.
    assert fake_sendgrid.requests() == []
    assert fake_sendgrid.contacts() == []
    real = client.upsert_contacts(events, list_ids=[vip])
    assert real.request_bodies == []
    assert len(fake_sendgrid.contacts()) == 5


def test_send_dry_run_sync_and_async_agree(fake_sendgrid: FakeSendGrid) -> None:
    template = fake_sendgrid.add_template("Welcome")
    mapping = {"from": {"email": "shop@example.com"}, "template_id": template}
    events = [{"properties": {"email": f"p{i}@example.com"}} for i in range(3)]
    report = fake_sendgrid.client().send_dynamic_templates(events, mapping=mapping, dry_run=True)
    assert report.accepted == 3
    assert report.message_ids == [None, None, None]

    async def main() -> sg.BatchReport:
        aclient = sg.AsyncClient(api_key=fake_sendgrid.api_key, endpoint=fake_sendgrid.url)
        return await aclient.send_dynamic_templates(events, mapping=mapping, dry_run=True)

    areport = asyncio.run(main())
    assert areport.request_bodies == report.request_bodies
    assert fake_sendgrid.messages() == []
    assert len(json.loads(report.request_bodies[0])["personalizations"]) == 3


def test_request_bodies_in_to_dict_and_pickle() -> None:
    report = sg.BatchReport(total=1, accepted=1, request_bodies=['{"contacts":[]}'])
    assert report.to_dict()["request_bodies"] == ['{"contacts":[]}']
    assert pickle.loads(pickle.dumps(report)) == report
    assert sg.BatchReport().request_bodies == []


def test_dry_run_must_be_a_bool(fake_sendgrid: FakeSendGrid) -> None:
    with pytest.raises(TypeError, match="dry_run"):
        fake_sendgrid.client().upsert_contacts([], dry_run=1)  # type: ignore[arg-type]


def small_bodies_events(count: int) -> list[dict[str, object]]:
    """Contacts big enough that a few thousand take several 6 MB requests."""
    pad = "x" * 2000
    return [{"traits": {"email": f"p{i}@example.com", "first_name": pad}} for i in range(count)]


def test_on_request_body_gets_every_body_in_order_and_the_report_keeps_none(
    fake_sendgrid: FakeSendGrid,
) -> None:
    client = fake_sendgrid.client()
    events = small_bodies_events(6000)
    kept = client.upsert_contacts(events, dry_run=True).request_bodies
    assert len(kept) > 1
    seen: list[str] = []
    report = client.upsert_contacts(events, dry_run=True, on_request_body=seen.append)
    assert seen == kept
    assert report.request_bodies == []
    assert report.accepted == 6000
    template = fake_sendgrid.add_template("Welcome")
    mapping = {"from": {"email": "shop@example.com"}, "template_id": template}
    mails = [{"properties": {"email": f"p{i}@example.com"}} for i in range(2500)]
    kept = client.send_dynamic_templates(mails, mapping=mapping, dry_run=True).request_bodies
    seen.clear()

    async def main() -> sg.BatchReport:
        aclient = sg.AsyncClient(api_key=fake_sendgrid.api_key, endpoint=fake_sendgrid.url)
        return await aclient.send_dynamic_templates(
            mails, mapping=mapping, dry_run=True, on_request_body=seen.append
        )

    areport = asyncio.run(main())
    assert seen == kept
    assert areport.request_bodies == []
    assert fake_sendgrid.messages() == []


def test_an_exception_from_on_request_body_stops_the_run_with_the_report(
    fake_sendgrid: FakeSendGrid,
) -> None:
    calls = []

    def broken_pipe(body: str) -> None:
        calls.append(body)
        raise BrokenPipeError("stdout is closed")

    events = small_bodies_events(6000)
    with pytest.raises(BrokenPipeError) as info:
        fake_sendgrid.client().upsert_contacts(events, dry_run=True, on_request_body=broken_pipe)
    report = info.value.report  # type: ignore[attr-defined]
    assert len(calls) == 1
    assert report.accepted + len(report.failed) == report.total
    assert report.total <= 6000
    assert report.failed
    with pytest.raises(TypeError, match="on_request_body must be callable"):
        fake_sendgrid.client().upsert_contacts(events, dry_run=True, on_request_body="stdout")  # type: ignore[arg-type]
