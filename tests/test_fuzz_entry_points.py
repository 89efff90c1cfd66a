"""Generated input at the Python entry points: mappings, records and values
of every shape (unconvertible objects, huge ints, lone surrogates, deep and
cyclic data, JSON text, mappings whose output explodes). Each call either
returns or raises a documented exception (``SendGridError`` subclasses,
``TypeError``, ``ValueError``); a Rust panic (``PanicException``) or any
other exception fails the test. The ``@example`` cases are the seed corpus:
they run first, every time."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import segment_sendgrid as sg
from segment_sendgrid.testing import FakeSendGrid

T = TypeVar("T")

DOCUMENTED = (sg.SendGridError, TypeError, ValueError)

FUZZ = settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def documented(call: Callable[[], T]) -> T | None:
    """The call's result, or None when it raised a documented exception."""
    try:
        return call()
    except DOCUMENTED:
        return None
    except BaseException as error:  # pyo3's PanicException derives from BaseException
        pytest.fail(f"undocumented {type(error).__module__}.{type(error).__name__}: {error}")


# Values: JSON, near-JSON and not JSON at all.
SURROGATES = st.sampled_from(["\ud800", "a\udc00b", "\udbff\udfff", "é\ud83d"])
TEXT = st.one_of(st.text(max_size=20), SURROGATES, st.sampled_from(["$.a", "{{a}}", "", "ß"]))
HUGE_INTS = st.sampled_from([2**63, 2**64 + 1, -(2**63) - 1, 10**30, 10**400, -(10**4000)])
ODD = st.one_of(
    st.binary(max_size=8),
    st.builds(bytearray, st.binary(max_size=4)),
    st.frozensets(st.integers(0, 3), max_size=2),
    st.just(object()),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.datetimes(),
    st.dates(),
    st.just(dt.time(1, 2)),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    HUGE_INTS,
    st.floats(allow_nan=True, allow_infinity=True),
    TEXT,
)
KEYS = st.one_of(st.sampled_from(["a", "b", "s", "arr", "traits", "properties", "email"]), TEXT)
VALUES = st.recursive(
    st.one_of(SCALARS, ODD),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(KEYS, inner, max_size=4),
        st.dictionaries(st.integers(0, 3), inner, max_size=2),
    ),
    max_leaves=20,
)
RECORDS = st.one_of(
    st.dictionaries(KEYS, VALUES, max_size=5),
    st.fixed_dictionaries(
        {"traits": st.dictionaries(KEYS, VALUES, max_size=4)},
        optional={"properties": st.dictionaries(KEYS, VALUES, max_size=4)},
    ),
    VALUES,
    st.text(max_size=40),
    st.binary(max_size=40),
    st.builds(lambda v: json.dumps(v, default=str), st.dictionaries(KEYS, SCALARS, max_size=4)),
)

# Mappings: directives around option objects, as Segment writes them.
DIRECTIVES = [
    "@path",
    "@if",
    "@template",
    "@literal",
    "@arrayPath",
    "@case",
    "@replace",
    "@merge",
    "@transform",
    "@flatten",
    "@json",
    "@excludeWhenNull",
    "@liquid",
]
OPTIONS = [
    "exists",
    "blank",
    "then",
    "else",
    "value",
    "mode",
    "pattern",
    "replacement",
    "operator",
    "direction",
    "objects",
    "apply",
    "mapping",
    "separator",
    "email",
]
MAPPING_WORDS = st.sampled_from(
    [
        "$.a",
        "$.traits.email",
        "$.s",
        "$.arr[0]",
        "{{a}}{{{s}}}",
        "encode",
        "decode",
        "left",
        "upper",
    ]
)
MAPPINGS = st.recursive(
    st.one_of(SCALARS, MAPPING_WORDS),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.builds(lambda name, value: {name: value}, st.sampled_from(DIRECTIVES), inner),
        st.dictionaries(st.sampled_from(OPTIONS), inner, max_size=4),
    ),
    max_leaves=16,
)


def nest(depth: int, leaf: Any, wrap: Callable[[Any], Any]) -> Any:
    for _ in range(depth):
        leaf = wrap(leaf)
    return leaf


EXPLODING_REPLACE = {
    "v": nest(
        9,
        {"@path": "$.s"},
        lambda i: {"@replace": {"pattern": "a", "replacement": "a" * 10, "value": i}},
    )
}
EXPLODING_JSON = {
    "v": nest(40, {"@path": "$.s"}, lambda i: {"@json": {"mode": "encode", "value": i}})
}
CYCLIC: dict[str, Any] = {"a": 1}
CYCLIC["self"] = CYCLIC


@FUZZ
@given(mapping=MAPPINGS, record=RECORDS)
@example(mapping=EXPLODING_REPLACE, record={"s": "a"})
@example(mapping=EXPLODING_JSON, record={"s": '"'})
@example(mapping={"v": {"@path": "$."}}, record={"s": "\ud800", "n": 10**400})
@example(mapping={"v": {"@path": "$.self"}}, record=CYCLIC)
@example(mapping={"v": {"@template": "{{{a}}}"}}, record={"a": "{{b}}" * 5000, "b": "y" * 2000})
@example(mapping="\ud800", record={})
@example(mapping={"\udc00": {"@path": "$.a"}}, record={"a": decimal.Decimal("1e400")})
def test_transform_and_mapping_apply(mapping: Any, record: Any) -> None:
    transformed = documented(lambda: sg.transform(mapping, record))
    compiled = documented(lambda: sg.Mapping(mapping))
    if compiled is not None:
        applied = documented(lambda: compiled.apply(record))
        assert applied == transformed
        documented(lambda: compiled.apply_many([record, record]))


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSendGrid]:
    with FakeSendGrid() as fake:
        yield fake


def check_report(report: sg.BatchReport | None, total: int) -> None:
    if report is None:
        return
    assert report.total == total
    assert report.accepted + len(report.failed) == total
    assert all(f.outcome == "invalid" for f in report.failed)


@FUZZ
@given(mapping=st.one_of(st.none(), MAPPINGS), records=st.lists(RECORDS, max_size=4))
@example(mapping={"customFields": EXPLODING_REPLACE}, records=[{"s": "a"}])
@example(mapping=None, records=[{"traits": {"email": "a@b.co", "first_name": "\ud800"}}])
@example(mapping=None, records=[{"traits": {"email": "a@b.co", "last_name": 10**400}}])
@example(mapping=None, records=['{"traits": {"email": "a@b.co"}}', b"\xff", "[1]"])
def test_upsert_contacts_dry_run(fake: FakeSendGrid, mapping: Any, records: list[Any]) -> None:
    client = fake.client()
    report = documented(lambda: client.upsert_contacts(records, mapping=mapping, dry_run=True))
    check_report(report, len(records))


SEND_BASE = {
    "from": {"email": "shop@example.com"},
    "to": {"email": {"@path": "$.properties.email"}},
    "template_id": "d-0123456789abcdef0123456789abcdef",
}


@FUZZ
@given(data=MAPPINGS, records=st.lists(RECORDS, max_size=4))
@example(data=EXPLODING_JSON["v"], records=[{"s": '"', "properties": {"email": "a@b.co"}}])
@example(
    data={"@path": "$.properties"}, records=[{"properties": {"email": "a@b.co", "x": "\ud800"}}]
)
@example(
    data={"@path": "$.big"}, records=[{"properties": {"email": "a@b.co"}, "big": "w" * 31_000_000}]
)
def test_send_dynamic_templates_dry_run(fake: FakeSendGrid, data: Any, records: list[Any]) -> None:
    mapping = {**SEND_BASE, "dynamic_template_data": data}
    client = fake.client()
    report = documented(
        lambda: client.send_dynamic_templates(
            records, mapping=mapping, dry_run=True, check_template=False
        )
    )
    check_report(report, len(records))
    assert not [r for r in fake.requests() if r["method"] == "POST"]
