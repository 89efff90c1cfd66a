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
