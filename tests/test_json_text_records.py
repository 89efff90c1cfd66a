"""Events given as JSON text (``str`` or ``bytes``, e.g. JSONL lines) are parsed
in Rust and must give exactly what the same events give as dicts: the same
request bodies, the same failures, sync and async. Text that is not a JSON
object fails that record alone, with a reason naming what is wrong."""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

import pytest

import segment_sendgrid as sg
from segment_sendgrid.testing import FakeSendGrid

# The default mapping (fast path) and one the engine must evaluate (general path).
MAPPINGS = {
    "default": sg.default_mapping("upsert_contact"),
    "engine": {
        **sg.default_mapping("upsert_contact"),
        "not_a_field": {"@template": "{{userId}}"},
    },
}
VALUES: list[Any] = [
    "",
    "plain",
    "Zoë Müller",
    'quote " back \\ nl \n tab \t \u2028 \U0001f600',
    0,
    -42,
    2**63,
    2**64 + 5,
    0.1 + 0.2,
    1e21,
    True,
    False,
    None,
    {"nested": 1},
    ["a"],
]


def _event(rng: random.Random, i: int) -> dict[str, Any]:
    keys = ["first_name", "last_name", "email", "phone", "external_id", "unique_name"]
    traits: dict[str, Any] = {k: rng.choice(VALUES) for k in keys if rng.random() < 0.6}
    if rng.random() < 0.7:
        traits["email"] = f"user{i}@example.com"
    if rng.random() < 0.5:
        traits["address"] = {k: rng.choice(VALUES) for k in ["city", "state", "country"]}
    side = "traits" if rng.random() < 0.7 else "properties"
    return {"userId": f"u{i}", "anonymousId": rng.choice([f"a{i}", None, ""]), side: traits}


def _events(seed: int, count: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [_event(rng, i) for i in range(count)]


def _upsert(client: sg.Client, events: list[Any], mapping: str) -> sg.BatchReport:
    return client.upsert_contacts(
        events, mapping=MAPPINGS[mapping], use_default_mapping=False, dry_run=True
    )


@pytest.mark.parametrize("mapping", sorted(MAPPINGS))
def test_text_and_dicts_give_the_same_bodies_and_failures(
    fake_sendgrid: FakeSendGrid, mapping: str
) -> None:
    events = _events(3, 3000)
    client = fake_sendgrid.client()
    as_dicts = _upsert(client, events, mapping)
    as_text = _upsert(client, [json.dumps(e, ensure_ascii=False) for e in events], mapping)
    as_bytes = _upsert(client, [json.dumps(e).encode() for e in events], mapping)
    for got in (as_text, as_bytes):
        assert got.request_bodies == as_dicts.request_bodies
        assert [f.to_dict() for f in got.failed] == [f.to_dict() for f in as_dicts.failed]
        assert (got.total, got.accepted) == (as_dicts.total, as_dicts.accepted)
    # Both outcomes occur, so the comparison covers both.
    assert 500 < as_dicts.accepted < as_dicts.total - 300


def test_text_that_is_not_an_event_fails_alone(fake_sendgrid: FakeSendGrid) -> None:
    events: list[Any] = [json.dumps({"traits": {"email": f"p{i}@example.com"}}) for i in range(8)]
    events[1] = '{"traits": {"email": "cut@example.com"'
    events[2] = "[1, 2]"
    events[3] = b'{"traits": {"email": "bad\xff@example.com"}}'
    events[4] = '{"traits": {"email": "nan@example.com", "n": NaN}}'
    events[5] = {"traits": {"email": "dict@example.com"}}
    report = fake_sendgrid.client().upsert_contacts(events)
    assert (report.total, report.accepted) == (8, 4)
    reasons = {f.index: f.reason for f in report.failed}
    assert reasons[1] == "invalid JSON: EOF while parsing an object (column 38)"
    assert reasons[2] == "expected a JSON object, got an array"
    assert reasons[3].startswith("the record's JSON text is not valid UTF-8")
    assert reasons[4] == "invalid JSON: expected value (column 46)"
    assert all(f.outcome == "invalid" for f in report.failed)
    stored = sorted(c["email"] for c in fake_sendgrid.contacts())
    assert stored == ["dict@example.com", "p0@example.com", "p6@example.com", "p7@example.com"]


def test_async_runs_read_text_too(fake_sendgrid: FakeSendGrid) -> None:
    events = _events(5, 400)
    lines = [json.dumps(e) for e in events]
    aclient = sg.AsyncClient(api_key=fake_sendgrid.api_key, endpoint=fake_sendgrid.url)
    got = asyncio.run(aclient.upsert_contacts(lines, dry_run=True))
    want = fake_sendgrid.client().upsert_contacts(events, dry_run=True)
    assert got.request_bodies == want.request_bodies
    assert [f.to_dict() for f in got.failed] == [f.to_dict() for f in want.failed]


def test_single_upserts_take_text(fake_sendgrid: FakeSendGrid) -> None:
    client = fake_sendgrid.client()
    client.upsert_contact('{"traits": {"email": "one@example.com", "first_name": "Zoë"}}')
    assert [c["first_name"] for c in fake_sendgrid.contacts()] == ["Zoë"]
    with pytest.raises(sg.PayloadValidationError, match=r"invalid JSON: .* \(column 2\)"):
        client.upsert_contact("{]")
    with pytest.raises(TypeError, match="must be a mapping \\(dict\\) or its JSON text, got int"):
        client.upsert_contact(7)  # type: ignore[arg-type]


def test_send_reads_text_like_dicts(fake_sendgrid: FakeSendGrid) -> None:
    active = [{"name": "v1", "subject": "Hi {{name}}", "active": True}]
    template = fake_sendgrid.add_template("Welcome", versions=active)
    events = [
        {"properties": {"email": f"to{i}@example.com", "data": {"name": f"N{i}", "q": '"hi"'}}}
        for i in range(30)
    ]
    mapping = {
        "from": {"email": "shop@example.com"},
        "template_id": template,
        "dynamic_template_data": {"@path": "$.properties.data"},
    }
    client = fake_sendgrid.client()
    want = client.send_dynamic_templates(events, mapping=mapping, dry_run=True)
    lines = [json.dumps(e) for e in events]
    got = client.send_dynamic_templates(lines, mapping=mapping, dry_run=True)
    assert got.request_bodies == want.request_bodies
    assert (got.accepted, got.failed) == (want.accepted, want.failed) == (30, [])


def test_deep_or_huge_text_is_handled(fake_sendgrid: FakeSendGrid) -> None:
    nested = '{"a": ' * 10_000 + "1" + "}" * 10_000
    unread = '{"traits": {"email": "skip@example.com", "deep": ' + nested + "}}"
    read = '{"traits": {"email": "read@example.com", "first_name": ' + nested + "}}"
    huge = json.dumps({"traits": {"email": "big@example.com", "last_name": "x" * 50_000_000}})
    report = fake_sendgrid.client().upsert_contacts([unread, read, huge], dry_run=True)
    reasons = {f.index: f.reason for f in report.failed}
    # Skipped text is checked but not built; text the mapping reads has a depth limit.
    assert 0 not in reasons
    assert reasons[1].startswith("invalid JSON: recursion limit exceeded")
    # A 50 MB name is read whole; the contact alone is then too large for a request.
    assert reasons[2].startswith("the contact makes a request body of 50000076 bytes")
    assert (report.total, report.accepted) == (3, 1)
