"""Tables in: a table passed to the batch calls gives the same report, body for body, as
its rows passed as dicts (``to_pylist()`` with dotted names nested). Generated pyarrow
tables in every producer form (Table, RecordBatch, RecordBatchReader, pandas, polars).
Streams (a 300,000-row reader, the async client, failures midway) are in
test_tables_streams.py; the value and column-name rules in test_tables_values.py."""

from __future__ import annotations

import decimal
import itertools
import math
from collections.abc import Callable
from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from table_helpers import nest, reader_of, send, table_rows, upsert

from segment_sendgrid.testing import FakeSendGrid

PROPERTY = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        # dry_run with check_template=False sends nothing: one emulator serves every example.
        HealthCheck.function_scoped_fixture,
    ],
)

# Values -------------------------------------------------------------------------------

ASTRAL = st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF, exclude_categories=["Cs"])
TEXT = st.one_of(
    st.text(max_size=12),
    st.text(ASTRAL, max_size=4),
    st.sampled_from(["", "é", 'quote " and \\ slash', "\x00\x1f", "\u2028"]),
    st.just("\U0001d11e" * 40_000 + "é"),
)
INT64 = st.one_of(
    st.integers(-(2**63), 2**63 - 1),
    st.sampled_from([2**53 + 1, -(2**53) - 1, 2**63 - 1, -(2**63)]),
)
UINT64 = st.one_of(st.integers(0, 2**64 - 1), st.sampled_from([2**53 + 1, 2**63, 2**64 - 1]))
FINITE = st.floats(allow_nan=False, allow_infinity=False)
FLOATS = st.one_of(FINITE, st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 5e-324]))
# Seconds within years 2..9998, so that every zone's wall time is a Python datetime.
SECONDS = st.integers(-62_100_000_000, 253_300_000_000)
UNIT = {"s": 1, "ms": 1_000, "us": 1_000_000}
EMAILS = st.one_of(
    st.sampled_from(["a@example.com", "b.c@example.org", "é@exämple.com"]), st.none()
)
KEYS = st.sampled_from(["k", "K", "é", "\U0001f600", ""])


def scaled(factor: int) -> st.SearchStrategy[int]:
    return SECONDS.map(lambda s: s * factor)


Maker = Callable[[list[Any]], pa.Array]


def of(type_: pa.DataType) -> Maker:
    return lambda values: pa.array(values, type_)


def nullable(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), values)


STRUCT = pa.struct([("s", pa.string()), ("i", pa.int64()), ("f", pa.list_(pa.float64()))])
STRUCT_VALUES = st.fixed_dictionaries(
    {
        "s": nullable(TEXT),
        "i": nullable(INT64),
        "f": nullable(st.lists(nullable(FLOATS), max_size=3)),
    }
)

#: (name, make an array of the values, values of one cell): every kind of column.
KINDS: list[tuple[str, Maker, st.SearchStrategy[Any]]] = [
    ("string", of(pa.string()), TEXT),
    ("large_string", of(pa.large_string()), TEXT),
    ("string_view", of(pa.string_view()), TEXT),
    ("dictionary", lambda v: pa.array(v, pa.string()).dictionary_encode(), TEXT),
    ("int64", of(pa.int64()), INT64),
    ("uint64", of(pa.uint64()), UINT64),
    ("int8", of(pa.int8()), st.integers(-128, 127)),
    ("float64", of(pa.float64()), FLOATS),
    ("float32", of(pa.float32()), st.floats(width=32)),
    ("bool", of(pa.bool_()), st.booleans()),
    ("null", of(pa.null()), st.none()),
    ("date32", of(pa.date32()), st.integers(-719_162, 2_932_896)),
    ("date64", of(pa.date64()), st.integers(-719_162, 2_932_896).map(lambda d: d * 86_400_000)),
    ("time32[s]", of(pa.time32("s")), st.integers(0, 86_399)),
    ("time32[ms]", of(pa.time32("ms")), st.integers(0, 86_399_999)),
    ("time64[us]", of(pa.time64("us")), st.integers(0, 86_399_999_999)),
    ("time64[ns]", of(pa.time64("ns")), st.integers(0, 86_399_999_999_999)),
    *[
        (f"timestamp[{unit}, {tz}]", of(pa.timestamp(unit, tz)), scaled(f))
        for unit, f in UNIT.items()
        for tz in (None, "UTC", "Asia/Kolkata", "America/New_York")
    ],
    ("timestamp[ns]", of(pa.timestamp("ns")), st.integers(-(2**63) + 1, 2**63 - 1)),
    ("timestamp[ns, +05:45]", of(pa.timestamp("ns", "+05:45")), st.integers(-(2**62), 2**62)),
    (
        "decimal128(18, 4)",
        of(pa.decimal128(18, 4)),
        st.decimals(-(10**14) + 1, 10**14 - 1, places=4),
    ),
    (
        "decimal128(38, 0)",
        of(pa.decimal128(38, 0)),
        st.integers(-(10**38) + 1, 10**38 - 1).map(decimal.Decimal),
    ),
    (
        "decimal256(50, 10)",
        of(pa.decimal256(50, 10)),
        st.decimals(-(10**40) + 1, 10**40 - 1, places=10),
    ),
    ("struct", of(STRUCT), STRUCT_VALUES),
    ("list<string>", of(pa.list_(pa.string())), st.lists(nullable(TEXT), max_size=3)),
    (
        "list<struct>",
        of(pa.list_(pa.struct([("a", pa.uint64())]))),
        st.lists(nullable(st.fixed_dictionaries({"a": nullable(UINT64)})), max_size=3),
    ),
    ("large_list<int64>", of(pa.large_list(pa.int64())), st.lists(nullable(INT64), max_size=3)),
    (
        "fixed_size_list",
        of(pa.list_(pa.int32(), 2)),
        st.lists(st.integers(-5, 5), min_size=2, max_size=2),
    ),
    ("list_view", of(pa.list_view(pa.int64())), st.lists(nullable(INT64), max_size=3)),
    (
        "map<string, int64>",
        of(pa.map_(pa.string(), pa.int64())),
        st.lists(st.tuples(KEYS, nullable(INT64)), max_size=4),
    ),
]
KIND_NAMES = [kind[0] for kind in KINDS]
BY_NAME = {kind[0]: kind for kind in KINDS}


def chunked(draw: st.DrawFn, make: Maker, values: list[Any]) -> pa.ChunkedArray:
    """The values as a chunked array of 1 to 3 chunks (each made on its own, so dictionary
    columns have one dictionary per chunk)."""
    cuts = sorted(draw(st.lists(st.integers(0, len(values)), max_size=2)))
    bounds = [0, *cuts, len(values)]
    chunks = [make(values[a:b]) for a, b in itertools.pairwise(bounds)]
    return pa.chunked_array(chunks, type=chunks[0].type)


@st.composite
def tables(
    draw: st.DrawFn, email: str, names: list[str], kinds: list[str] = KIND_NAMES
) -> pa.Table:
    """A table of 0 to 6 rows: ``email`` (addresses and nulls), then a column of a
    generated kind under each of ``names`` (some of them), sometimes an unread binary."""
    rows = draw(st.integers(0, 6))
    columns = {
        email: chunked(draw, of(pa.string()), draw(st.lists(EMAILS, min_size=rows, max_size=rows)))
    }
    for name in draw(st.lists(st.sampled_from(names), min_size=1, max_size=5, unique=True)):
        _, make, cell = BY_NAME[draw(st.sampled_from(kinds))]
        values = draw(st.lists(nullable(cell), min_size=rows, max_size=rows))
        columns[name] = chunked(draw, make, values)
    if draw(st.booleans()):
        columns["context.blob"] = pa.chunked_array([pa.array([b"\xff"] * rows, pa.binary())])
    return pa.table(columns)


SEND_NAMES = [
    "properties.a",
    " properties.b\t",
    "properties.deep.c",
    "properties.deep.d",
    "properties.name",
    "properties.\U0001f600",
    "properties.🙂 x",
]
UPSERT_NAMES = [
    "traits.first_name",
    "traits.last_name",
    "traits.address.city",
    "traits.address.postal_code",
    "properties.phone",
    "traits.external_id",
]


def batch_of(table: pa.Table) -> pa.RecordBatch:
    return pa.record_batch([c.combine_chunks() for c in table.columns], schema=table.schema)


# Properties ---------------------------------------------------------------------------


@PROPERTY
@given(table=tables("properties.email", SEND_NAMES))
def test_send_pyarrow_forms_match_the_rows(fake_sendgrid: FakeSendGrid, table: pa.Table) -> None:
    client = fake_sendgrid.client()
    expected = send(client, table_rows(table))
    assert send(client, table) == expected
    assert send(client, batch_of(table)) == expected
    assert send(client, reader_of(table)) == expected
    assert fake_sendgrid.requests() == []


@PROPERTY
@given(table=tables("traits.email", UPSERT_NAMES))
def test_upsert_pyarrow_forms_match_the_rows(fake_sendgrid: FakeSendGrid, table: pa.Table) -> None:
    client = fake_sendgrid.client()
    expected = upsert(client, table_rows(table))
    assert upsert(client, table) == expected
    assert upsert(client, batch_of(table)) == expected
    assert upsert(client, reader_of(table)) == expected
    assert fake_sendgrid.requests() == []


PANDAS_KINDS = [
    "string",
    "int64",
    "uint64",
    "float64",
    "bool",
    "date32",
    "timestamp[us, UTC]",
    "timestamp[ms, Asia/Kolkata]",
    "timestamp[s, None]",
    "decimal128(18, 4)",
    "list<string>",
]


@PROPERTY
@given(table=tables("properties.email", SEND_NAMES, PANDAS_KINDS))
def test_send_pandas_matches_its_arrow_rows(fake_sendgrid: FakeSendGrid, table: pa.Table) -> None:
    frame = table.to_pandas()
    client = fake_sendgrid.client()
    # pandas decides the types (NaN becomes null, say): the rows are those of its own table.
    expected = send(client, table_rows(pa.Table.from_pandas(frame, preserve_index=False)))
    assert send(client, frame) == expected


@PROPERTY
@given(table=tables("properties.email", SEND_NAMES))
def test_send_arrow_backed_pandas_matches_the_rows(
    fake_sendgrid: FakeSendGrid, table: pa.Table
) -> None:
    # With ArrowDtype columns pandas keeps every type (nested, dictionary, views) as is.
    frame = table.to_pandas(types_mapper=pd.ArrowDtype)
    client = fake_sendgrid.client()
    assert send(client, frame) == send(client, table_rows(table))


POLARS_KINDS = [
    "string",
    "string_view",
    "dictionary",
    "int64",
    "uint64",
    "int8",
    "float64",
    "bool",
    "date32",
    "time64[us]",
    "timestamp[us, None]",
    "timestamp[ms, UTC]",
    "timestamp[us, Asia/Kolkata]",
    "decimal128(18, 4)",
    "decimal128(38, 0)",
    "struct",
    "list<string>",
    "list<struct>",
    "large_list<int64>",
]


@PROPERTY
@given(table=tables("properties.email", SEND_NAMES, POLARS_KINDS))
def test_send_polars_matches_its_dicts(fake_sendgrid: FakeSendGrid, table: pa.Table) -> None:
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    client = fake_sendgrid.client()
    expected = send(client, [nest(row) for row in frame.to_dicts()])
    assert send(client, frame) == expected


def test_pandas_frame_matches_to_dict_records(fake_sendgrid: FakeSendGrid) -> None:
    frame = pd.DataFrame(
        {
            "traits.email": ["a@example.com", None, "c@example.com"],
            "traits.first_name": ["Ann", "Bob", "\U0001f600"],
            "traits.address.city": ["Paris", "Köln", None],
        },
        # pandas' own string dtype has NaN for a missing value, which to_dict() keeps.
        dtype=object,
    )
    client = fake_sendgrid.client()
    rows = [nest(row) for row in frame.to_dict("records")]
    # The same frame as the default mapping reads it: one contact without identifier.
    report = upsert(client, frame)
    assert report == upsert(client, rows)
    assert report[:3] == (3, 2, [(1, "invalid", report[2][0][2])])
    assert '"city":"Köln"' not in report[4][0]
    assert '"first_name":"\U0001f600"' in report[4][0]
