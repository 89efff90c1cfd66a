"""Mapping from Python: input conversion, errors naming paths, repr, pickling, limits."""

from __future__ import annotations

import datetime as dt
import decimal
import pickle
from collections import OrderedDict, UserDict
from typing import Any

import pytest

import segment_sendgrid as sg

WHOLE = {"out": {"@path": "$."}}  # "$." reads the whole record


def whole(data: Any) -> Any:
    return sg.transform(WHOLE, data)["out"]


def test_python_types_become_json() -> None:
    data = {
        "s": "x",
        "i": 3,
        "big": 2**63 + 5,
        "huge": 10**30,
        "f": 1.5,
        "b": True,
        "n": None,
        "list": [1, "a"],
        "tuple": (1, 2),
        "nested": OrderedDict(a=UserDict(b=1)),
        "when": dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc),
        "day": dt.date(2024, 1, 2),
        "price": decimal.Decimal("12.50"),
        "count": decimal.Decimal("7"),
    }
    assert whole(data) == {
        "s": "x",
        "i": 3,
        "big": 2**63 + 5,
        "huge": 1e30,
        "f": 1.5,
        "b": True,
        "n": None,
        "list": [1, "a"],
        "tuple": [1, 2],
        "nested": {"a": {"b": 1}},
        "when": "2024-01-02T03:04:05.000Z",
        "day": "2024-01-02",
        "price": 12.5,
        "count": 7,
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"traits": {"avatar": b"\x89PNG"}}, "traits.avatar: bytes is not JSON"),
        ({"traits": {"tags": {"a", "b"}}}, "traits.tags: set is not JSON"),
        ({"x": [1, object()]}, "x[1]: object is not JSON"),
        ({"score": float("nan")}, "score: nan is not a JSON number"),
        ({"score": float("inf")}, "score: inf is not a JSON number"),
        ({"d": decimal.Decimal("NaN")}, "d: Decimal('NaN') is not a JSON number"),
        ({"m": {1: "a"}}, "m: key 1 (int) is not a str"),
        (
            {"traits": {"first_name": "Zo\ud800"}},
            "traits.first_name: str with a lone surrogate is not JSON",
        ),
        ({"m": {"\udc80": 1}}, "m: key with a lone surrogate is not JSON"),
        ({"traits": {"n": 10**400}}, "traits.n: an int of 1329 bits is not JSON"),
    ],
)
def test_non_json_input_is_a_type_error_naming_the_path(data: Any, message: str) -> None:
    with pytest.raises(TypeError) as info:
        whole(data)
    assert message in str(info.value)


def test_cyclic_data_is_a_type_error() -> None:
    data: dict[str, Any] = {"a": {}}
    data["a"]["self"] = data
    with pytest.raises(TypeError, match=r"a\.self: cyclic reference"):
        whole(data)
    items: list[Any] = []
    items.append(items)
    with pytest.raises(TypeError, match="cyclic"):
        whole({"items": items})


def test_shared_but_acyclic_objects_are_fine() -> None:
    shared = {"v": 1}
    assert whole({"a": shared, "b": shared}) == {"a": {"v": 1}, "b": {"v": 1}}


def test_deep_data_fails_cleanly() -> None:
    data: dict[str, Any] = {}
    node = data
    for _ in range(10_000):
        node["n"] = {}
        node = node["n"]
    with pytest.raises(TypeError, match="nested deeper than"):
        whole(data)


def test_deep_mapping_fails_cleanly() -> None:
    mapping: dict[str, Any] = {}
    node = mapping
    for _ in range(10_000):
        node["n"] = {}
        node = node["n"]
    with pytest.raises((sg.MappingError, TypeError)):
        sg.Mapping(mapping)


def test_fifty_megabyte_string() -> None:
    big = "x" * (50 * 1024 * 1024)
    out = sg.transform({"v": {"@path": "$.traits.blob"}}, {"traits": {"blob": big}})
    assert len(out["v"]) == len(big)


def test_only_what_the_mapping_reads_is_converted() -> None:
    # Unconvertible data outside the mapped paths is never touched.
    mapping = sg.Mapping({"email": {"@path": "$.traits.email"}})
    event = {"traits": {"email": "a@example.com", "avatar": b"png"}, "context": {1, 2}}
    assert mapping.apply(event) == {"email": "a@example.com"}


@pytest.mark.parametrize(
    ("mapping", "fragment"),
    [
        ({"a": {"@path": 5}}, "a"),
        ({"a": {"@if": {"then": 1}}}, "a"),
        ({"a": {"@path": "$.x", "other": 1}}, "a"),
        ({"a": {"@path": "$.x", "@template": "y"}}, "a"),
        ({"a": {"@unknown": 1}}, "@unknown"),
        ({"deep": {"er": {"@path": ["x"]}}}, "deep.er"),
    ],
)
def test_invalid_mappings_name_the_path(mapping: dict[str, Any], fragment: str) -> None:
    with pytest.raises(sg.MappingError) as info:
        sg.Mapping(mapping)
    assert fragment in str(info.value)
    assert isinstance(info.value, ValueError)


def test_liquid_renders_and_refuses_what_segment_disables() -> None:
    mapping = sg.Mapping({"a": {"@if": {"exists": {"@liquid": "{{x | upcase}}"}, "then": 1}}})
    assert mapping.apply({"x": "y"}) == {"a": 1}
    assert sg.transform({"g": {"@liquid": "Hi {{ n | plus: 1 }}"}}, {"n": 1.5}) == {"g": "Hi 2.5"}
    with pytest.raises(sg.MappingError, match=r'mapping\.a\.@liquid: tag "for" is disabled'):
        sg.Mapping({"a": {"@liquid": "{% for x in y %}{% endfor %}"}})


def test_apply_many_error_names_the_record() -> None:
    mapping = sg.Mapping({"v": {"@path": "$.x"}})
    with pytest.raises(TypeError, match=r"record 2: x: bytes is not JSON"):
        mapping.apply_many([{"x": 1}, {"x": 2}, {"x": b"3"}])


def test_non_mapping_record_is_an_error() -> None:
    with pytest.raises((sg.MappingError, TypeError)):
        sg.Mapping({"v": {"@path": "$.x"}}).apply([1, 2])  # type: ignore[arg-type]


def test_repr_lists_fields_and_reads() -> None:
    text = repr(sg.Mapping({"email": {"@path": "$.traits.email"}, "n": 1}))
    assert text == 'Mapping(fields=["email", "n"], reads=["$.traits.email"])'


def test_mapping_pickles() -> None:
    mapping = sg.Mapping(sg.default_mapping("upsert_contact"))
    clone = pickle.loads(pickle.dumps(mapping))
    event = {"traits": {"email": "a@example.com"}, "anonymousId": "x"}
    assert clone.apply(event) == mapping.apply(event)
    assert repr(clone) == repr(mapping)


def test_unknown_action_has_no_default_mapping() -> None:
    with pytest.raises(ValueError, match="upsert_contact"):
        sg.default_mapping("nope")


LOOKUPS = {
    "email": {"@path": "$.traits.email"},
    "deep": {"@path": "$.traits.a.b"},
    "first": {
        "@if": {
            "exists": {"@path": "$.traits.x"},
            "then": {"@path": "$.traits.x"},
            "else": {"@path": "$.properties.x"},
        }
    },
    "const": 5,
}


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        # falsy intermediates are the result (Segment's get)
        ({"traits": {"a": 0}}, {"deep": 0, "const": 5}),
        ({"traits": {"a": ""}}, {"deep": "", "const": 5}),
        ({"traits": {"a": False}}, {"deep": False, "const": 5}),
        ({"traits": {"a": None}}, {"deep": None, "const": 5}),
        # a truthy primitive has no properties
        ({"traits": {"a": 7}}, {"const": 5}),
        # strings and lists on the way keep JS index/length semantics
        ({"traits": {"a": "hey"}}, {"const": 5}),
        ({"traits": {"a": [1, 2]}}, {"const": 5}),
        # non-scalar and unusual values go through the general conversion
        ({"traits": {"email": {"nested": [1]}}}, {"email": {"nested": [1]}, "const": 5}),
        ({"traits": {"email": 2**70}}, {"email": float(2**70), "const": 5}),
        ({"traits": {"email": decimal.Decimal("1.5")}}, {"email": 1.5, "const": 5}),
        # @if exists: null does not exist, the else branch is used
        ({"traits": {"x": None}, "properties": {"x": "p"}}, {"first": "p", "const": 5}),
        ({"traits": {"x": 0}, "properties": {"x": "p"}}, {"first": 0, "const": 5}),
        ({"traits": None}, {"deep": None, "email": None, "const": 5}),
        # a non-dict Mapping record
        (UserDict({"traits": {"email": "u@example.com"}}), {"email": "u@example.com", "const": 5}),
    ],
)
def test_lookup_semantics(event: Any, expected: dict[str, Any]) -> None:
    mapping = sg.Mapping(LOOKUPS)
    got = mapping.apply(event)
    assert got == expected
    assert list(got) == [k for k in LOOKUPS if k in expected]
    assert mapping.apply_many([event, event]) == [expected, expected]


def test_lookup_results_are_plain_values() -> None:
    class Email(str):
        pass

    got = sg.Mapping(LOOKUPS).apply({"traits": {"email": Email("e@example.com")}})
    assert type(got["email"]) is str
    with pytest.raises(TypeError, match=r"traits\.email: nan is not a JSON number"):
        sg.Mapping(LOOKUPS).apply({"traits": {"email": float("nan")}})
