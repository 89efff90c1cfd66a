"""Tables in, as streams: a 300,000-row RecordBatchReader, the async client, and readers
whose source fails midway."""

from __future__ import annotations

import asyncio
import datetime as dt
import math
from collections.abc import Iterator

import pyarrow as pa
import pytest
from table_helpers import SEND_MAPPING, nest, reader_of, summary

import segment_sendgrid as sg
from segment_sendgrid.testing import FakeSendGrid

# A stream of 300,000 rows -------------------------------------------------------------

BIG = 300_000
BIG_BATCHES = [70_001, 1, 0, 99_998, 129_999, 1]
NO_ID = {7, 70_001, 299_999}
NAN_AT = 170_000
BIG_SCHEMA = pa.schema(
    [
        ("traits.email", pa.string()),
        ("traits.first_name", pa.string()),
        ("traits.score", pa.float64()),
    ]
)


def big_batches() -> Iterator[pa.RecordBatch]:
    start = 0
    for size in BIG_BATCHES:
        span = range(start, start + size)
        emails = [None if i in NO_ID else f"p{i}@example.com" for i in span]
        names = [f"n{i}" for i in span]
        scores = [math.nan if i == NAN_AT else i / 4 for i in span]
        yield pa.record_batch([emails, names, scores], schema=BIG_SCHEMA)
        start += size


def test_a_300k_row_reader_accounts_for_every_row(fake_sendgrid: FakeSendGrid) -> None:
    assert sum(BIG_BATCHES) == BIG
    client = fake_sendgrid.client()
    # The score goes to last_name so the mapping reads the float column.
    mapping = {"last_name": {"@path": "$.traits.score"}}
    reader = pa.RecordBatchReader.from_batches(BIG_SCHEMA, big_batches())
    report = client.upsert_contacts(reader, mapping=mapping, dry_run=True)
    assert report.total == BIG
    assert report.accepted + len(report.failed) == BIG
    assert [f.index for f in report.failed] == sorted([*NO_ID, NAN_AT])
    reasons = {f.index: f.reason for f in report.failed}
    assert (
        reasons[NAN_AT]
        == "traits.score: nan is not a JSON number (NaN and infinities have no JSON form)"
    )
    assert all("identifying field" in reasons[i] for i in NO_ID)
    assert all(f.outcome == "invalid" for f in report.failed)
    assert report.request_bodies
    rows = (nest(row) for batch in big_batches() for row in batch.to_pylist())
    assert summary(report) == summary(client.upsert_contacts(rows, mapping=mapping, dry_run=True))
    assert fake_sendgrid.requests() == []


# The async client ---------------------------------------------------------------------


def test_async_client_gives_the_sync_report(fake_sendgrid: FakeSendGrid) -> None:
    table = pa.table(
        {
            "traits.email": ["a@example.com", None, "c@example.com"],
            "traits.first_name": ["A", "B", None],
            "properties.email": ["a@example.com", "b@example.com", None],
            "properties.when": pa.array([0, -1, 10**12], pa.timestamp("ms", "UTC")),
            "properties.n": pa.array([2**63, 1, None], pa.uint64()),
        }
    )
    client = fake_sendgrid.client()

    async def main() -> tuple[sg.BatchReport, sg.BatchReport]:
        aclient = sg.AsyncClient(api_key=fake_sendgrid.api_key, endpoint=fake_sendgrid.url)
        upserted = await aclient.upsert_contacts(table, dry_run=True)
        sent = await aclient.send_dynamic_templates(
            reader_of(table), mapping=SEND_MAPPING, check_template=False, dry_run=True
        )
        return upserted, sent

    upserted, sent = asyncio.run(main())
    assert upserted == client.upsert_contacts(table, dry_run=True)
    assert sent == client.send_dynamic_templates(
        table, mapping=SEND_MAPPING, check_template=False, dry_run=True
    )
    # Upserts take properties.email when traits.email is missing: all 3 have an email.
    assert (upserted.total, upserted.accepted, sent.total, sent.accepted) == (3, 3, 3, 2)
    assert '"when":"1969-12-31T23:59:59.999Z"' in sent.request_bodies[0]
    assert fake_sendgrid.requests() == []


# A stream that fails midway ------------------------------------------------------------


class Boom(ValueError):
    pass


FIRST = pa.schema([("traits.email", pa.string())])


def failing_batches() -> Iterator[pa.RecordBatch]:
    yield pa.record_batch([["a@example.com", None, "c@example.com"]], schema=FIRST)
    raise Boom("the source broke")


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_reader_failing_midway_raises_with_the_first_batch_accounted(
    fake_sendgrid: FakeSendGrid, dry_run: bool
) -> None:
    client = fake_sendgrid.client()
    reader = pa.RecordBatchReader.from_batches(FIRST, failing_batches())
    with pytest.raises(Exception, match="the source broke") as raised:
        client.upsert_contacts(reader, dry_run=dry_run)
    report = raised.value.report  # type: ignore[attr-defined]
    assert isinstance(report, sg.BatchReport)
    assert (report.total, report.accepted) == (3, 2)
    assert [(f.index, f.outcome) for f in report.failed] == [(1, "invalid")]
    if dry_run:
        assert report.request_bodies == [
            '{"contacts":[{"email":"a@example.com","custom_fields":{}},'
            '{"email":"c@example.com","custom_fields":{}}]}'
        ]
    else:
        assert sorted(c["email"] for c in fake_sendgrid.contacts()) == [
            "a@example.com",
            "c@example.com",
        ]


def test_a_reader_failing_midway_raises_a_runtime_error_quoting_the_source(
    fake_sendgrid: FakeSendGrid,
) -> None:
    # A source's exception crosses the Arrow C stream interface as text only: the
    # library raises RuntimeError quoting it, with .report (see README, Tables).
    reader = pa.RecordBatchReader.from_batches(FIRST, failing_batches())
    with pytest.raises(RuntimeError, match="the source broke") as raised:
        fake_sendgrid.client().upsert_contacts(reader, dry_run=True)
    assert raised.value.report.total == 3  # type: ignore[attr-defined]


def test_reader_indexes_count_across_batches(fake_sendgrid: FakeSendGrid) -> None:
    """Rows of a reader are events in order: indexes count across batches."""
    schema = pa.schema([("properties.email", pa.string()), ("properties.d", pa.date32())])
    batches = [
        pa.record_batch([["a@example.com"], [dt.date(2020, 1, 2)]], schema=schema),
        pa.record_batch([[None, "b@example.com"], [None, dt.date(1, 1, 1)]], schema=schema),
    ]
    report = fake_sendgrid.client().send_dynamic_templates(
        pa.RecordBatchReader.from_batches(schema, batches),
        mapping=SEND_MAPPING,
        check_template=False,
        dry_run=True,
    )
    assert [f.index for f in report.failed] == [1]
    assert '"d":"2020-01-02"' in report.request_bodies[0]
    assert '"d":"0001-01-01"' in report.request_bodies[0]


def test_async_client_with_a_reader_failing_midway(fake_sendgrid: FakeSendGrid) -> None:
    # The AsyncClient reads the whole input first; an input exception leaves every record
    # read not_sent (its documented rule, as for an iterable of dicts).
    async def main() -> sg.BatchReport:
        aclient = sg.AsyncClient(api_key=fake_sendgrid.api_key, endpoint=fake_sendgrid.url)
        reader = pa.RecordBatchReader.from_batches(FIRST, failing_batches())
        return await aclient.upsert_contacts(reader, dry_run=True)

    with pytest.raises(Exception, match="the source broke") as raised:
        asyncio.run(main())
    report = raised.value.report  # type: ignore[attr-defined]
    assert (report.total, report.accepted, report.request_bodies) == (3, 0, [])
    assert [(f.index, f.outcome) for f in report.failed] == [(i, "not_sent") for i in range(3)]


def interrupted_batches() -> Iterator[pa.RecordBatch]:
    yield pa.record_batch([["a@example.com", None, "c@example.com"]], schema=FIRST)
    raise KeyboardInterrupt


def test_a_reader_interrupted_midway_raises_keyboard_interrupt(
    fake_sendgrid: FakeSendGrid,
) -> None:
    # Client docs: KeyboardInterrupt raised by the input stops the batch and is raised
    # with .report accounting for every record read.
    reader = pa.RecordBatchReader.from_batches(FIRST, interrupted_batches())
    with pytest.raises(KeyboardInterrupt) as raised:
        fake_sendgrid.client().upsert_contacts(reader, dry_run=True)
    assert raised.value.report.total == 3  # type: ignore[attr-defined]


def mislabelled_batches() -> Iterator[pa.RecordBatch]:
    yield pa.record_batch([["a@example.com", None, "c@example.com"]], schema=FIRST)
    # pyarrow does not check a batch against the reader's schema: int64 data as "string".
    yield pa.record_batch([[1]], names=["traits.email"])


def test_a_reader_with_a_mislabelled_batch_raises_a_documented_error(
    fake_sendgrid: FakeSendGrid,
) -> None:
    reader = pa.RecordBatchReader.from_batches(FIRST, mislabelled_batches())
    with pytest.raises(RuntimeError, match="does not match the table's schema") as raised:
        fake_sendgrid.client().upsert_contacts(reader, dry_run=True)
    assert raised.value.report.total == 3  # type: ignore[attr-defined]
