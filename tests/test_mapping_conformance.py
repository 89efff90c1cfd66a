"""Replays Segment's mapping-kit vectors and default-mapping vectors through the Python API."""

from __future__ import annotations

from typing import Any

import pytest
from vectors import load, same_json

import segment_sendgrid as sg

KIT = load("mapping-kit-vectors.json")
LIQUID_MORE = load("mapping-kit-liquid-vectors.json")
# Where this library differs on purpose (src/core/tests/liquid_conformance.rs says why).
LIQUID_DEVIATIONS = {"disabled filter in an untaken branch", "memory limit: doubling assigns"}
DEFAULTS = load("sendgrid-default-mapping-vectors.json")
LIQUID = [v for v in KIT["vectors"] if v["directive"] == "@liquid"]


def test_vector_counts() -> None:
    assert len(KIT["vectors"]) == 341
    assert len(LIQUID) == 59
    assert len(DEFAULTS["vectors"]) == 80


@pytest.mark.parametrize("vector", KIT["vectors"], ids=[v["name"] for v in KIT["vectors"]])
def test_mapping_kit_vector(vector: dict[str, Any]) -> None:
    mapping, data = vector["mapping"], vector["input"]
    if vector.get("error"):
        with pytest.raises((sg.MappingError, TypeError)) as info:
            sg.Mapping(mapping).apply(data)
        # liquidjs's messages are kept word for word.
        if vector["directive"] == "@liquid" and "error_message" in vector:
            assert str(info.value).endswith(vector["error_message"])
        return
    got = sg.transform(mapping, data)
    if vector.get("expected_absent"):
        assert got is None
    else:
        assert same_json(got, vector["expected"]), f"got {got!r}"


@pytest.mark.parametrize(
    "vector",
    [v for v in LIQUID_MORE["vectors"] if v["name"] not in LIQUID_DEVIATIONS],
    ids=lambda v: v["name"],
)
def test_liquid_vector(vector: dict[str, Any]) -> None:
    mapping, data = vector["mapping"], vector["input"]
    if vector.get("error"):
        with pytest.raises(sg.MappingError) as info:
            sg.Mapping(mapping).apply(data)
        assert str(info.value).endswith(vector["error_message"])
        return
    assert same_json(sg.transform(mapping, data), vector["expected"])


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
