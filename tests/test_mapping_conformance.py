"""Replays Segment's mapping-kit vectors and default-mapping vectors through the Python API."""

from __future__ import annotations

from typing import Any

import pytest
from vectors import load, same_json

import segment_sendgrid as sg

KIT = load("mapping-kit-vectors.json")
DEFAULTS = load("sendgrid-default-mapping-vectors.json")
NON_LIQUID = [v for v in KIT["vectors"] if v["directive"] != "@liquid"]
LIQUID = [v for v in KIT["vectors"] if v["directive"] == "@liquid"]


def test_vector_counts() -> None:
    assert len(NON_LIQUID) == 282
    assert len(LIQUID) == 59
    assert len(DEFAULTS["vectors"]) == 80


@pytest.mark.parametrize("vector", NON_LIQUID, ids=[v["name"] for v in NON_LIQUID])
def test_mapping_kit_vector(vector: dict[str, Any]) -> None:
    mapping, data = vector["mapping"], vector["input"]
    if vector.get("error"):
        with pytest.raises((sg.MappingError, TypeError)):
            sg.Mapping(mapping).apply(data)
        return
    got = sg.transform(mapping, data)
    if vector.get("expected_absent"):
        assert got is None
    else:
        assert same_json(got, vector["expected"]), f"got {got!r}"


@pytest.mark.parametrize("vector", LIQUID[:10], ids=[v["name"] for v in LIQUID[:10]])
def test_liquid_is_refused_at_compile_time(vector: dict[str, Any]) -> None:
    with pytest.raises(sg.MappingError, match="@liquid is not supported yet"):
        sg.Mapping(vector["mapping"])


def test_default_mappings_are_segments() -> None:
    assert sg.default_mapping("upsert_contact") == DEFAULTS["upsert_contact_default_mapping"]
    assert sg.default_mapping("send_dynamic_template") == DEFAULTS["send_email_default_mapping"]
    assert list(sg.default_mapping("upsert_contact")) == list(
        DEFAULTS["upsert_contact_default_mapping"]
    )


@pytest.mark.parametrize(
    "vector",
    DEFAULTS["vectors"],
    ids=[f"{v['action']}:{v['description']}" for v in DEFAULTS["vectors"]],
)
def test_default_mapping_vector(vector: dict[str, Any]) -> None:
    action = "upsert_contact" if vector["action"] == "upsert_contact" else "send_dynamic_template"
    mapping = sg.Mapping(sg.default_mapping(action))
    assert same_json(mapping.apply(vector["event"]), vector["expected_payload"])


def test_apply_many_equals_apply_one_by_one() -> None:
    mapping = sg.Mapping(sg.default_mapping("upsert_contact"))
    events = [v["event"] for v in DEFAULTS["vectors"]] * 50
    assert mapping.apply_many(events) == [mapping.apply(e) for e in events]
    assert mapping.apply_many(iter(events[:3])) == [mapping.apply(e) for e in events[:3]]
    assert mapping.apply_many([]) == []
