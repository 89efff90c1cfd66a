"""Send Email with Dynamic Template from Python against the emulator."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

import segment_sendgrid as sg
from segment_sendgrid.testing import FakeSendGrid

SEND = "/v3/mail/send"
ACTIVE = [
    {
        "name": "v1",
        "subject": "Hi {{first_name}}",
        "html_content": "<p>{{plan}}</p>",
        "plain_content": "{{plan}}",
        "active": True,
    }
]


def mapping(template_id: str) -> dict[str, Any]:
    return {
        "from": {"email": "shop@example.com", "name": "Shop"},
        "template_id": template_id,
        "dynamic_template_data": {"@path": "$.properties.data"},
        "categories": ["welcome"],
    }


def mails(n: int) -> Iterator[dict[str, Any]]:
    for i in range(n):
        yield {"properties": {"email": f"person{i}@example.com", "data": {"plan": "pro", "n": i}}}


def recipients(fake: FakeSendGrid) -> list[str]:
    return [
        to["email"]
        for message in fake.messages()
        for p in message["body"]["personalizations"]
        for to in p["to"]
    ]


@pytest.fixture
def template(fake_sendgrid: FakeSendGrid) -> str:
    return fake_sendgrid.add_template("Welcome", versions=ACTIVE)


def test_single_send_returns_the_message_id(fake_sendgrid: FakeSendGrid, template: str) -> None:
    result = fake_sendgrid.client().send_dynamic_template(
        {"properties": {"email": "a@example.com", "data": {"plan": "pro"}}},
        mapping=mapping(template),
    )
    assert result.status_code == 202
    assert result.message_id == fake_sendgrid.messages()[0]["x_message_id"]
    body = fake_sendgrid.messages()[0]["body"]
    assert body["personalizations"][0]["dynamic_template_data"] == {"plan": "pro"}
    assert body["reply_to"] == {"email": "shop@example.com", "name": "Shop"}


def test_sandbox_answers_200_and_stores_nothing(fake_sendgrid: FakeSendGrid, template: str) -> None:
    result = fake_sendgrid.client().send_dynamic_template(
        {"properties": {"email": "a@example.com"}}, mapping=mapping(template), sandbox=True
    )
    assert result.status_code == 200
    assert result.message_id is None
    assert fake_sendgrid.messages() == []


def test_merged_batch_sends_each_recipient_once(fake_sendgrid: FakeSendGrid, template: str) -> None:
    report = fake_sendgrid.client().send_dynamic_templates(mails(2_500), mapping=mapping(template))
    assert (report.total, report.accepted, report.failed) == (2_500, 2_500, [])
    assert report.requests == 3
    assert len(report.message_ids) == 2_500
    assert all(report.message_ids)
    sent = recipients(fake_sendgrid)
    assert len(sent) == len(set(sent)) == 2_500


def test_unmerged_batch_sends_one_request_per_record(
    fake_sendgrid: FakeSendGrid, template: str
) -> None:
    client = fake_sendgrid.client(max_concurrency=16)
    report = client.send_dynamic_templates(mails(50), mapping=mapping(template), merge=False)
    assert report.accepted == 50
    assert report.requests == 50
    assert len(set(report.message_ids)) == 50


def test_server_error_after_processing_is_never_resent(
    fake_sendgrid: FakeSendGrid, template: str
) -> None:
    fake_sendgrid.fail_next(SEND, status=500, after_processing=True)
    # One request at a time, so the fault hits the first (1,000-recipient) request.
    client = fake_sendgrid.client(max_retries=5, max_concurrency=1)
    report = client.send_dynamic_templates(mails(1_500), mapping=mapping(template))
    unknown = [f for f in report.failed if f.outcome == "unknown"]
    assert len(unknown) == 1_000
    assert report.accepted == 500
    assert report.accepted + len(report.failed) == report.total == 1_500
    counts = Counter(recipients(fake_sendgrid))
    assert max(counts.values()) == 1  # stored by the fault, never resent
    assert len(counts) == 1_500


def test_rate_limit_is_waited_out_without_double_sends(
    fake_sendgrid: FakeSendGrid, template: str
) -> None:
    fake_sendgrid.set_rate_limit(1, 1.0, path=SEND)
    report = fake_sendgrid.client(max_retries=10).send_dynamic_templates(
        mails(2_500), mapping=mapping(template)
    )
    assert report.accepted == 2_500
    assert report.retries >= 1
    assert Counter(recipients(fake_sendgrid)).most_common(1)[0][1] == 1


def test_bad_address_fails_alone(fake_sendgrid: FakeSendGrid, template: str) -> None:
    events = list(mails(1_000))
    events[417]["properties"]["email"] = "x" * 70 + "@example.com"
    report = fake_sendgrid.client().send_dynamic_templates(events, mapping=mapping(template))
    assert [f.index for f in report.failed] == [417]
    assert report.failed[0].outcome in {"rejected", "invalid"}
    assert report.message_ids[417] is None
    assert len(recipients(fake_sendgrid)) == 999


@pytest.mark.parametrize("kind", ["missing", "legacy", "inactive"])
def test_unusable_templates_are_refused_before_sending(
    fake_sendgrid: FakeSendGrid, kind: str
) -> None:
    if kind == "missing":
        template = "d-" + "0" * 32
    elif kind == "legacy":
        template = fake_sendgrid.add_template("Old", versions=ACTIVE, generation="legacy")
    else:
        inactive = [{**ACTIVE[0], "active": False}]
        template = fake_sendgrid.add_template("Draft", versions=inactive)
    client = fake_sendgrid.client()
    with pytest.raises(sg.PayloadValidationError):
        client.send_dynamic_template(
            {"properties": {"email": "a@example.com"}}, mapping=mapping(template)
        )
    report = client.send_dynamic_templates(mails(5), mapping=mapping(template))
    assert report.accepted == 0
    assert all(f.outcome == "invalid" for f in report.failed)
    assert fake_sendgrid.messages() == []


def test_template_variables(fake_sendgrid: FakeSendGrid, template: str) -> None:
    assert sorted(fake_sendgrid.client().template_variables(template)) == ["first_name", "plan"]


def test_sync_and_async_agree(fake_sendgrid: FakeSendGrid, template: str) -> None:
    events = list(mails(40))
    events[3] = {"properties": {"email": "not an email"}}
    sync_report = fake_sendgrid.client().send_dynamic_templates(events, mapping=mapping(template))
    aclient = sg.AsyncClient(api_key=fake_sendgrid.api_key, endpoint=fake_sendgrid.url)

    async def main() -> tuple[sg.BatchReport, sg.SendResult, list[str]]:
        report = await aclient.send_dynamic_templates(events, mapping=mapping(template))
        single = await aclient.send_dynamic_template(events[0], mapping=mapping(template))
        variables = await aclient.template_variables(template)
        return report, single, variables

    async_report, single, variables = asyncio.run(main())
    assert single.status_code == 202
    assert sorted(variables) == ["first_name", "plan"]
    assert (async_report.total, async_report.accepted) == (sync_report.total, sync_report.accepted)
    assert [f.to_dict() for f in async_report.failed] == [f.to_dict() for f in sync_report.failed]


def test_module_level_send(fake_sendgrid: FakeSendGrid, template: str) -> None:
    result = sg.send_dynamic_template(
        {"properties": {"email": "m@example.com"}},
        api_key=fake_sendgrid.api_key,
        endpoint=fake_sendgrid.url,
        mapping=mapping(template),
    )
    assert result.status_code == 202
    assert recipients(fake_sendgrid) == ["m@example.com"]
