"""Tables in: the value rules, on the table path and on the dict path (instants as
``Date.prototype.toISOString()``, UUIDs, decimals, NaN), columns with no JSON form, and
the column-name rules."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import uuid
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from table_helpers import SEND_MAPPING, send, table_rows

import segment_sendgrid as sg
from segment_sendgrid.testing import FakeSendGrid

UTC = dt.timezone.utc
NAN_REASON = "{}: {} is not a JSON number (NaN and infinities have no JSON form)"


def sent_value(report: sg.BatchReport) -> str:
    """The JSON text of ``properties.v`` in the one body, or the one failure's reason."""
    if report.failed:
        [failure] = report.failed
        assert failure.outcome == "invalid"
        return failure.reason
    [body] = report.request_bodies
    [personalization] = json.loads(body)["personalizations"]
    return json.dumps(personalization["dynamic_template_data"]["v"])


def via_dict(client: sg.Client, value: Any) -> str:
    events = [{"properties": {"email": "a@example.com", "v": value}}]
    return sent_value(
        client.send_dynamic_templates(
            events, mapping=SEND_MAPPING, check_template=False, dry_run=True
        )
    )


def via_table(client: sg.Client, array: pa.Array) -> str:
    table = pa.table({"properties.email": ["a@example.com"], "properties.v": array})
    return sent_value(
        client.send_dynamic_templates(
            table, mapping=SEND_MAPPING, check_template=False, dry_run=True
        )
    )


@pytest.fixture
def client(fake_sendgrid: FakeSendGrid) -> sg.Client:
    return fake_sendgrid.client()


# Instants: what JavaScript's new Date(ms).toISOString() gives --------------------------

JS_ISO = [
    (0, "1970-01-01T00:00:00.000Z"),
    (-1, "1969-12-31T23:59:59.999Z"),
    (1_000_000_000_123, "2001-09-09T01:46:40.123Z"),
    (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
    (253_402_300_800_000, "+010000-01-01T00:00:00.000Z"),
    (-62_135_596_800_000, "0001-01-01T00:00:00.000Z"),
    (-62_167_219_200_000, "0000-01-01T00:00:00.000Z"),
    (-62_167_219_200_001, "-000001-12-31T23:59:59.999Z"),
]


@pytest.mark.parametrize(("ms", "iso"), JS_ISO)
@pytest.mark.parametrize("tz", [None, "UTC", "Asia/Kolkata"])
def test_timestamp_columns_are_to_iso_string(
    client: sg.Client, ms: int, iso: str, tz: str | None
) -> None:
    assert via_table(client, pa.array([ms], pa.timestamp("ms", tz))) == json.dumps(iso)
    # Finer units are floored to the millisecond (also before 1970).
    assert via_table(client, pa.array([ms * 1_000 + 999], pa.timestamp("us", tz))) == json.dumps(
        iso
    )
    if abs(ms) * 1_000_000 < 2**63 - 10**6:
        ns = pa.array([ms * 1_000_000 + 999_999], pa.timestamp("ns", tz))
        assert via_table(client, ns) == json.dumps(iso)


def test_seconds_timestamps(client: sg.Client) -> None:
    array = pa.array([-1], pa.timestamp("s", "America/New_York"))
    assert via_table(client, array) == '"1969-12-31T23:59:59.000Z"'


def test_the_ends_of_a_javascript_date(client: sg.Client) -> None:
    # new Date(8.64e15).toISOString() and new Date(-8.64e15).toISOString()
    assert via_table(client, pa.array([8_640_000_000_000_000], pa.timestamp("ms"))) == (
        '"+275760-09-13T00:00:00.000Z"'
    )
    assert via_table(client, pa.array([-8_640_000_000_000_000], pa.timestamp("ms"))) == (
        '"-271821-04-20T00:00:00.000Z"'
    )


def test_beyond_a_javascript_date_the_record_fails(client: sg.Client) -> None:
    reason = via_table(client, pa.array([8_640_000_000_000_001], pa.timestamp("ms")))
    assert reason.startswith("properties.v: ")
    assert "outside a JavaScript Date's range" in reason
    reason = via_table(client, pa.array([2**63 - 1], pa.timestamp("s")))
    assert "outside a JavaScript Date's range" in reason


DICT_INSTANTS: list[tuple[Any, str]] = [
    (dt.datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC), "1969-12-31T23:59:59.999Z"),
    (dt.datetime(1970, 1, 1), "1970-01-01T00:00:00.000Z"),
    (dt.datetime(2020, 1, 1, 12, 0, 0, 123_999), "2020-01-01T12:00:00.123Z"),
    (
        dt.datetime(2020, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        "2019-12-31T22:00:00.000Z",
    ),
    (dt.datetime(1, 1, 1), "0001-01-01T00:00:00.000Z"),
    (
        dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=5))),
        "0000-12-31T19:00:00.000Z",
    ),
    (
        dt.datetime(9999, 12, 31, 23, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
        "+010000-01-01T04:00:00.000Z",
    ),
    (pd.Timestamp("2020-01-01 00:00:00.0000019"), "2020-01-01T00:00:00.000Z"),
    (pd.Timestamp("1969-12-31 23:59:59.9999999"), "1969-12-31T23:59:59.999Z"),
    (pd.Timestamp("2020-01-01", tz="US/Eastern"), "2020-01-01T05:00:00.000Z"),
    (pd.Timestamp("1969-12-31 23:59:59.9999999", tz="Asia/Kolkata"), "1969-12-31T18:29:59.999Z"),
]


@pytest.mark.parametrize(("value", "iso"), DICT_INSTANTS)
def test_datetimes_in_dicts_are_to_iso_string(client: sg.Client, value: Any, iso: str) -> None:
    assert via_dict(client, value) == json.dumps(iso)


def test_dates_and_times_on_both_paths(client: sg.Client) -> None:
    for array, text in [
        (pa.array([dt.date(2020, 1, 2)], pa.date32()), "2020-01-02"),
        (pa.array([-1], pa.date32()), "1969-12-31"),
        (pa.array([-1], pa.date64()), "1969-12-31"),
        (pa.array([dt.date(1, 1, 1)], pa.date64()), "0001-01-01"),
        (pa.array([dt.time(1, 2, 3, 4)], pa.time64("us")), "01:02:03.000004"),
        (pa.array([1], pa.time64("ns")), "00:00:00"),
        (pa.array([1_001], pa.time32("ms")), "00:00:01.001000"),
        (pa.array([86_399], pa.time32("s")), "23:59:59"),
    ]:
        [value] = array.to_pylist()
        assert via_table(client, array) == json.dumps(text), array.type
        assert via_dict(client, value) == json.dumps(text), array.type
    assert via_dict(client, dt.time(1, 2, tzinfo=UTC)) == '"01:02:00+00:00"'


def test_a_date_no_calendar_has_fails_the_record(client: sg.Client) -> None:
    reason = via_table(client, pa.array([-(2**31)], pa.date32()))
    assert (
        reason == "properties.v: -2147483648 days from the epoch is not a date of years 1 to 9999"
    )


# UUIDs and decimals ------------------------------------------------------------------


def test_uuid_in_a_dict_is_its_text(client: sg.Client) -> None:
    value = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert via_dict(client, value) == '"12345678-1234-5678-1234-567812345678"'


def test_a_uuid_column_is_its_text_as_in_a_dict(client: sg.Client) -> None:
    value = uuid.UUID("12345678-1234-5678-1234-56781234ABCD")
    array = pa.array([value.bytes], pa.uuid())
    assert via_table(client, array) == via_dict(client, value)
    assert via_table(client, array) == '"12345678-1234-5678-1234-56781234abcd"'


DECIMALS = [
    # integer text that fits 64 bits: an integer
    ("12345678901234567890", "12345678901234567890"),
    ("18446744073709551615", "18446744073709551615"),
    ("-9223372036854775808", "-9223372036854775808"),
    ("0", "0"),
    # an integer beyond 64 bits: the nearest double
    ("18446744073709551616", "1.8446744073709552e+19"),
    ("-9223372036854775809", "-9.223372036854776e+18"),
    ("100000000000000000000", "1e+20"),
    # a fraction: the nearest double of its text
    ("1.50", "1.5"),
    ("0.1", "0.1"),
    ("0.30000000000000004441", "0.30000000000000004"),
    ("-2.5", "-2.5"),
]


@pytest.mark.parametrize(("text", "json_text"), DECIMALS)
def test_decimals_on_both_paths(client: sg.Client, text: str, json_text: str) -> None:
    value = decimal.Decimal(text)
    assert via_dict(client, value) == json_text
    scale = max(0, -value.as_tuple().exponent)  # type: ignore[operator]
    type_ = pa.decimal128(38, scale) if abs(value) < 10**37 else pa.decimal256(76, scale)
    assert via_table(client, pa.array([value], type_)) == json_text
    assert via_table(client, pa.array([value], pa.decimal256(60, scale))) == json_text


def test_decimals_that_are_no_json_number_fail_the_record(client: sg.Client) -> None:
    assert via_dict(client, decimal.Decimal("NaN")) == (
        "properties.v: Decimal('NaN') is not a JSON number"
    )
    assert via_dict(client, decimal.Decimal("1E+400")) == (
        "properties.v: Decimal('1E+400') is not a JSON number"
    )


def test_decimal_of_negative_scale_matches_its_pylist(client: sg.Client) -> None:
    array = pa.array([decimal.Decimal("1E+2")], pa.decimal128(5, -2))
    [value] = array.to_pylist()
    assert via_table(client, array) == via_dict(client, value)


# NaN and infinities ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "spelled"), [(math.nan, "nan"), (math.inf, "inf"), (-math.inf, "-inf")]
)
def test_nan_and_infinities_fail_the_record_on_both_paths(
    client: sg.Client, value: float, spelled: str
) -> None:
    assert via_dict(client, value) == NAN_REASON.format("properties.v", spelled)
    assert via_table(client, pa.array([value])) == NAN_REASON.format("properties.v", spelled)
    assert via_table(client, pa.array([value], pa.float32())) == NAN_REASON.format(
        "properties.v", spelled
    )
    in_list = pa.array([[1.0, value]], pa.list_(pa.float64()))
    assert via_table(client, in_list) == NAN_REASON.format("properties.v[1]", spelled)
    assert via_dict(client, [1.0, value]) == NAN_REASON.format("properties.v[1]", spelled)
    in_struct = pa.array([[{"x": value}]], pa.list_(pa.struct([("x", pa.float64())])))
    assert via_table(client, in_struct) == NAN_REASON.format("properties.v[0].x", spelled)


def test_a_nan_row_fails_alone_in_an_upsert(client: sg.Client) -> None:
    table = pa.table(
        {
            "traits.email": ["a@example.com", "b@example.com", "c@example.com"],
            "traits.tags": pa.array([[1.0], [2.0, math.nan], None], pa.list_(pa.float64())),
        }
    )
    mapping = {"first_name": {"@path": "$.traits.tags"}}
    report = client.upsert_contacts(table, mapping=mapping, dry_run=True)
    assert [(f.index, f.reason) for f in report.failed] == [
        (1, NAN_REASON.format("traits.tags[1]", "nan"))
    ]
    assert report.accepted == 2


# Columns with no JSON form -----------------------------------------------------------

NO_JSON = [
    ("binary", pa.array([b"\xff"], pa.binary())),
    ("large_binary", pa.array([b"\xff"], pa.large_binary())),
    ("fixed_size_binary", pa.array([b"ab"], pa.binary(2))),
    ("duration", pa.array([1], pa.duration("s"))),
    ("binary in a struct", pa.array([{"b": b"x"}], pa.struct([("b", pa.binary())]))),
    ("binary in a list", pa.array([[b"x"]], pa.list_(pa.binary()))),
    ("map of int keys", pa.array([[(1, "a")]], pa.map_(pa.int32(), pa.string()))),
]


@pytest.mark.parametrize(("kind", "array"), NO_JSON, ids=[kind for kind, _ in NO_JSON])
def test_a_read_column_with_no_json_form_raises_before_sending(
    fake_sendgrid: FakeSendGrid, kind: str, array: pa.Array
) -> None:
    client = fake_sendgrid.client()
    table = pa.table({"traits.email": ["a@example.com"], "traits.first_name": array})
    with pytest.raises(sg.MappingError, match=r'column "traits\.first_name'):
        client.upsert_contacts(table)
    sent = pa.table({"properties.email": ["a@example.com"], "properties.blob": array})
    with pytest.raises(sg.MappingError, match=r'column "properties\.blob'):
        client.send_dynamic_templates(sent, mapping=SEND_MAPPING, check_template=False)
    assert fake_sendgrid.requests() == []
    assert fake_sendgrid.contacts() == []
    assert fake_sendgrid.messages() == []


def test_an_unread_binary_column_is_fine(fake_sendgrid: FakeSendGrid) -> None:
    client = fake_sendgrid.client()
    table = pa.table(
        {
            "traits.email": ["a@example.com"],
            "traits.blob": pa.array([b"\xff"]),
            "context.blob": pa.array([b"\xff"]),
        }
    )
    report = client.upsert_contacts(table)
    assert (report.total, report.accepted) == (1, 1)
    assert [c["email"] for c in fake_sendgrid.contacts()] == ["a@example.com"]
    sent = pa.table({"properties.email": ["a@example.com"], "context.blob": pa.array([b"\xff"])})
    mapping = {**SEND_MAPPING, "template_id": fake_sendgrid.add_template("T")}
    report = client.send_dynamic_templates(sent, mapping=mapping, check_template=False)
    assert (report.total, report.accepted) == (1, 1)
    assert len(fake_sendgrid.messages()) == 1


# Column names ------------------------------------------------------------------------

BAD_NAMES = [
    (["traits.email", "traits"], r'"traits" is both a value and the parent of "traits\.email"'),
    (["traits", "traits.email"], r'"traits" is both a value and the parent of "traits\.email"'),
    (["traits.email", "traits.email"], r'"traits\.email" appears twice'),
    (["traits.email", " traits.email "], r'"traits\.email" appears twice'),
    (["traits.email", "a..b"], "empty name"),
    (["traits.email", ".a"], "empty name"),
    (["traits.email", "a."], "empty name"),
    (["traits.email", "  "], "empty name"),
    # Names the mapping does not read follow the rules too.
    (["traits.email", "context.x", "context.x"], r'"context\.x" appears twice'),
]


@pytest.mark.parametrize(("names", "message"), BAD_NAMES)
def test_column_names_that_do_not_nest_raise_before_sending(
    fake_sendgrid: FakeSendGrid, names: list[str], message: str
) -> None:
    arrays = [pa.array(["a@example.com"]), *[pa.array(["x"]) for _ in names[1:]]]
    table = pa.table(arrays, names=names)
    client = fake_sendgrid.client()
    with pytest.raises(sg.MappingError, match=message):
        client.upsert_contacts(table)
    with pytest.raises(sg.MappingError, match=message):
        client.upsert_contacts(table.to_batches()[0], dry_run=True)
    assert fake_sendgrid.requests() == []
    assert fake_sendgrid.contacts() == []


def test_names_are_stripped_whole_and_nest_in_column_order(client: sg.Client) -> None:
    table = pa.table(
        [
            pa.array(["a@example.com"]),
            pa.array([1]),
            pa.array(["x"]),
            pa.array([2]),
            pa.array([3]),
        ],
        names=["properties.email", " properties.b.y\t", "properties.a", "properties.b.x", "x.y"],
    )
    report = client.send_dynamic_templates(
        table, mapping=SEND_MAPPING, check_template=False, dry_run=True
    )
    [body] = report.request_bodies
    assert '"dynamic_template_data":{"email":"a@example.com","b":{"y":1,"x":2},"a":"x"}' in body
    assert send(client, table) == send(client, table_rows(table))


def test_map_columns_keep_the_first_position_and_last_value(client: sg.Client) -> None:
    array = pa.array([[("b", 1), ("a", 2), ("b", 3)]], pa.map_(pa.string(), pa.int64()))
    assert via_table(client, array) == '{"b": 3, "a": 2}'


def test_null_cells_are_present_as_null(client: sg.Client) -> None:
    table = pa.table(
        {
            "properties.email": ["a@example.com"],
            "properties.s": pa.array([None], pa.string()),
            "properties.l": pa.array([None], pa.list_(pa.int64())),
            "properties.t.x": pa.array([None], pa.int64()),
        }
    )
    [body] = client.send_dynamic_templates(
        table, mapping=SEND_MAPPING, check_template=False, dry_run=True
    ).request_bodies
    assert (
        '"dynamic_template_data":{"email":"a@example.com","s":null,"l":null,"t":{"x":null}}' in body
    )
