"""Bounds on mappings: output that would explode fails the record (never the
process), mappings of many fields compile fast and once, and a single send
refuses locally what a batch refuses."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

import segment_sendgrid as sg
from segment_sendgrid.testing import FakeSendGrid

LIMIT = "would exceed 67108864 bytes"


def nest(depth: int, leaf: Any, wrap: Any) -> Any:
    for _ in range(depth):
        leaf = wrap(leaf)
    return leaf


def tenfold(inner: Any) -> dict[str, Any]:
    return {"@replace": {"pattern": "a", "replacement": "a" * 10, "value": inner}}


def encode(inner: Any) -> dict[str, Any]:
    return {"@json": {"mode": "encode", "value": inner}}


def test_nested_replace_raises_mapping_error_instead_of_aborting() -> None:
    # 1 character → 10 per level: depth 9 asked for ~10 GB and aborted the process.
    mapping = {"v": nest(9, {"@path": "$.s"}, tenfold)}
    with pytest.raises(sg.MappingError) as info:
        sg.transform(mapping, {"s": "a"})
    assert str(info.value).startswith("mapping.v.@replace")
    assert LIMIT in str(info.value)
    with pytest.raises(sg.MappingError, match=LIMIT):
        sg.Mapping(mapping).apply({"s": "a"})
    assert len(sg.transform({"v": nest(3, {"@path": "$.s"}, tenfold)}, {"s": "a"})["v"]) == 1000


def test_nested_json_encode_fails_its_record_in_a_batch(fake_sendgrid: FakeSendGrid) -> None:
    mapping = {
        "from": {"email": "shop@example.com"},
        "to": {"email": {"@path": "$.properties.email"}},
        "template_id": fake_sendgrid.add_template("Welcome"),
        "dynamic_template_data": {"q": nest(40, {"@path": "$.properties.q"}, encode)},
    }
    assert len(json.dumps(mapping)) < 2000
    # Any string doubles per level (each encode escapes the quotes the one
    # inside added); a missing value stays undefined all the way up.
    events = [
        {"properties": {"email": "a@example.com"}},
        {"properties": {"email": "b@example.com", "q": "plain"}},
        {"properties": {"email": "c@example.com"}},
    ]
    client = fake_sendgrid.client()
    report = client.send_dynamic_templates(
        events, mapping=mapping, dry_run=True, check_template=False
    )
    assert (report.total, report.accepted) == (3, 2)
    [failure] = report.failed
    assert (failure.index, failure.outcome) == (1, "invalid")
    assert "@json" in failure.reason
    assert LIMIT in failure.reason
    with pytest.raises(sg.MappingError, match=LIMIT):
        client.send_dynamic_template(events[1], mapping=mapping, check_template=False)


def test_single_send_refuses_locally_the_mail_a_batch_refuses(
    fake_sendgrid: FakeSendGrid,
) -> None:
    mapping = {
        "from": {"email": "shop@example.com"},
        "to": {"email": {"@path": "$.properties.email"}},
        "template_id": fake_sendgrid.add_template("Welcome"),
        "dynamic_template_data": {"essay": {"@path": "$.properties.essay"}},
    }
    event = {"properties": {"email": "a@example.com", "essay": "w" * 30_000_000}}
    client = fake_sendgrid.client()
    report = client.send_dynamic_templates([event], mapping=mapping, check_template=False)
    [failure] = report.failed
    assert failure.outcome == "invalid"
    with pytest.raises(sg.PayloadValidationError) as info:
        client.send_dynamic_template(event, mapping=mapping, check_template=False)
    assert str(info.value) == failure.reason
    assert "SendGrid accepts less than 30000000" in failure.reason
    # Neither call uploaded the 30 MB mail.
    assert not [r for r in fake_sendgrid.requests() if r["method"] == "POST"]


def test_unconvertible_values_fail_their_record_naming_the_field(
    fake_sendgrid: FakeSendGrid,
) -> None:
    events: list[dict[str, Any]] = [
        {"traits": {"email": "a@example.com", "first_name": "Zo\ud800"}},
        {"traits": {"email": "b@example.com", "first_name": "Bo", "plan": 10**400}},
        {"traits": {"email": "c@example.com"}},
    ]
    mapping = {"customFields": {"plan": {"@path": "$.traits.plan"}}}
    report = fake_sendgrid.client().upsert_contacts(events, mapping=mapping, dry_run=True)
    assert report.accepted == 1
    reasons = [f.reason for f in report.failed]
    assert reasons == [
        "traits.first_name: str with a lone surrogate is not JSON (it has no UTF-8 form)",
        "traits.plan: an int of 1329 bits is not JSON (too large for a JSON number, a double)",
    ]
    with pytest.raises(TypeError, match=r"^traits\.first_name: str with a lone surrogate"):
        fake_sendgrid.client().upsert_contact(events[0])


def many_paths(count: int) -> dict[str, Any]:
    return {f"f{i}": {"@path": f"$.k{i}"} for i in range(count)}


def best_of(runs: int, call: Any) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return min(times)


def test_a_mapping_of_many_paths_compiles_in_linear_time() -> None:
    # The path trie searched its children in a list: 64,000 paths took
    # seconds, 500,000 never finished. Figures: benchmarks/RESULTS.md.
    small, large = many_paths(5_000), many_paths(40_000)
    small_s = best_of(3, lambda: sg.Mapping(small))
    large_s = best_of(3, lambda: sg.Mapping(large))
    assert large_s / max(small_s, 1e-6) < 24, (small_s, large_s)
    record = {f"k{i}": i for i in range(40_000)}
    assert sg.Mapping(large).apply(record)["f39999"] == 39_999


def test_transform_compiles_an_equal_mapping_once() -> None:
    mapping = many_paths(60_000)
    record = {"k7": "seven"}
    first = best_of(1, lambda: sg.transform(mapping, record))
    again = best_of(3, lambda: sg.transform(mapping, record))
    assert again < first / 2, (first, again)
    # Looked up by content: a changed dict is compiled anew.
    mapping["f7"] = {"@template": "<{{k7}}>"}
    assert sg.transform(mapping, record)["f7"] == "<seven>"
    mapping["f7"] = {"@path": "$.k7"}
    assert sg.transform(mapping, record)["f7"] == "seven"
    # A compiled Mapping is taken as it is.
    assert sg.transform(sg.Mapping(mapping), record) == sg.transform(mapping, record)


def test_client_calls_compile_a_mapping_once(fake_sendgrid: FakeSendGrid) -> None:
    client = fake_sendgrid.client()
    mapping = {"customFields": many_paths(60_000)}
    event = {"traits": {"email": "a@example.com"}}
    first = best_of(1, lambda: client.upsert_contacts([event], mapping=mapping, dry_run=True))
    again = best_of(3, lambda: client.upsert_contacts([event], mapping=mapping, dry_run=True))
    assert again < first / 2, (first, again)
    compiled = sg.Mapping(mapping)
    first = best_of(1, lambda: client.upsert_contacts([event], mapping=compiled, dry_run=True))
    again = best_of(3, lambda: client.upsert_contacts([event], mapping=compiled, dry_run=True))
    assert again < first / 2, (first, again)
