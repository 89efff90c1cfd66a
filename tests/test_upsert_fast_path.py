"""Upsert runs encode contacts straight from Python dicts when the mapping is
made of field lookups (the default mapping is). The general path (convert →
mapping engine → schema stage → contact) is the reference: both must give
the same request bodies and the same failures, record for record.

A mapping forced onto the general path: the default one plus a member the
engine must evaluate (``@template``) under a key the schema stage drops.

One known difference, by design: the general path converts every value on
the mapping's paths before mapping, so a NaN under ``properties`` fails the
record even when ``traits`` already supplied the field; the fast path reads
only what the mapping uses. The comparison therefore skips records holding
values JSON cannot represent (NaN, infinities, lone surrogates), and such a
value that is read fails the record on both paths.
"""

from __future__ import annotations

import json
import math
import random
from collections import OrderedDict
from decimal import Decimal
from typing import Any

import pytest

import segment_sendgrid as sg
from segment_sendgrid.testing import FakeSendGrid

GENERAL = {**sg.default_mapping("upsert_contact"), "not_a_field": {"@template": "{{userId}}"}}


class Text(str):
    """A str subclass: it must not be read as a plain string."""


def _value(rng: random.Random) -> Any:
    return rng.choice(
        [
            "",
            "plain",
            "Zoë Müller",
            'quote " back \\ nl \n tab \t \u2028 \U0001f600',
            0,
            1,
            -42,
            2**63,
            2**64 + 5,
            0.0,
            1e21,
            0.1 + 0.2,
            float("nan"),
            math.inf,
            True,
            False,
            None,
            {"nested": 1},
            ["a"],
            [],
            Text("sub"),
            Decimal("1.50"),
            "\ud800",
        ]
    )


def _event(rng: random.Random, i: int) -> Any:
    if i % 97 == 0:
        return ["not", "a", "dict"]
    keys = ["first_name", "last_name", "email", "phone", "external_id", "whatsapp", "unique_name"]
    traits: dict[str, Any] = {k: _value(rng) for k in keys if rng.random() < 0.6}
    if rng.random() < 0.7:
        traits["email"] = f"user{i}@example.com"
    if rng.random() < 0.5:
        address = {k: _value(rng) for k in ["city", "state", "country", "postal_code", "line1"]}
        traits["address"] = address if rng.random() < 0.9 else _value(rng)
    event: dict[str, Any] = {"userId": f"u{i}", "anonymousId": rng.choice([f"a{i}", None, ""])}
    where = rng.random()
    if where < 0.7:
        event["traits"] = traits
    elif where < 0.85:
        event["properties"] = traits
    else:
        event["traits"] = _value(rng)
        event["properties"] = traits
    if i % 13 == 0:
        return OrderedDict(event)
    return event


def _representable(event: Any) -> bool:
    """No NaN, infinity or lone surrogate anywhere: JSON can hold all of it."""
    try:
        json.dumps(event, allow_nan=False, ensure_ascii=False, default=str).encode()
    except ValueError:  # UnicodeEncodeError is a ValueError
        return False
    return True


def _events(seed: int, count: int) -> list[Any]:
    rng = random.Random(seed)
    return [e for e in (_event(rng, i) for i in range(count)) if _representable(e)]


def _run(client: sg.Client, events: list[Any], mapping: Any) -> sg.BatchReport:
    return client.upsert_contacts(events, mapping=mapping, use_default_mapping=False, dry_run=True)


def test_fast_and_general_paths_give_the_same_bodies_and_failures(
    fake_sendgrid: FakeSendGrid,
) -> None:
    events = _events(7, 4000)
    client = fake_sendgrid.client()
    fast = _run(client, events, sg.default_mapping("upsert_contact"))
    general = _run(client, events, GENERAL)
    assert fast.request_bodies == general.request_bodies
    assert [f.to_dict() for f in fast.failed] == [f.to_dict() for f in general.failed]
    assert (fast.total, fast.accepted) == (general.total, general.accepted)
    # The walk covers both outcomes and several kinds of failure.
    assert fast.total > 1500
    assert 500 < fast.accepted < fast.total - 300
    reasons = {f.reason.split(" ")[0] for f in fast.failed}
    assert len(reasons) >= 3, reasons


def test_the_fast_path_sends_what_the_general_path_sends(fake_sendgrid: FakeSendGrid) -> None:
    events = [
        {"anonymousId": f"a{i}", "traits": {"email": f"p{i}@example.com", "first_name": "Zoë"}}
        for i in range(50)
    ]
    client = fake_sendgrid.client()
    report = client.upsert_contacts(events)
    assert (report.accepted, report.requests) == (50, 1)
    stored = {c["email"]: c for c in fake_sendgrid.contacts()}
    assert stored["p7@example.com"]["first_name"] == "Zoë"
    assert len(stored) == 50


@pytest.mark.parametrize("mapping", [sg.default_mapping("upsert_contact"), GENERAL])
def test_a_nan_that_is_read_fails_the_record_on_both_paths(
    fake_sendgrid: FakeSendGrid, mapping: Any
) -> None:
    events = [{"anonymousId": "a", "traits": {"first_name": math.nan}}]
    report = _run(fake_sendgrid.client(), events, mapping)
    assert report.accepted == 0
    assert report.failed[0].reason.startswith("traits.first_name: nan is not a JSON number")


@pytest.mark.parametrize("mapping", [sg.default_mapping("upsert_contact"), GENERAL])
def test_async_runs_take_the_same_path(fake_sendgrid: FakeSendGrid, mapping: Any) -> None:
    import asyncio

    events = _events(11, 400)
    aclient = sg.AsyncClient(api_key=fake_sendgrid.api_key, endpoint=fake_sendgrid.url)
    got = asyncio.run(
        aclient.upsert_contacts(events, mapping=mapping, use_default_mapping=False, dry_run=True)
    )
    want = _run(fake_sendgrid.client(), events, GENERAL)
    assert got.request_bodies == want.request_bodies
    assert [f.to_dict() for f in got.failed] == [f.to_dict() for f in want.failed]
