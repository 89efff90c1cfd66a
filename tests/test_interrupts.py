"""Ctrl-C during a batch, a cancelled async batch, and ``KeyboardInterrupt`` /
``SystemExit`` out of the input: the run stops at once (no request starts after it,
those in flight end), and the exception carries ``.report`` accounting for every
record read, so a rerun of the failed records sends nothing twice."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import script, write_jsonl

import segment_sendgrid as sg
from segment_sendgrid.testing import FakeSendGrid

LATENCY_MS = 200
INTERRUPT_AFTER_S = 0.5
# From the signal to the exception: the requests in flight (one latency) and margin.
PROMPT_S = 1.0
RECORDS = 200  # 10 s of requests at 4 in flight: the interrupt lands mid-run
STOPPED = {"not_sent", "unknown"}
LIST_MAPPING = {"list_ids": {"@path": "$.lists"}}


@pytest.fixture
def fake() -> Iterator[FakeSendGrid]:
    with FakeSendGrid() as emulator:
        yield emulator


def send_mapping(template: str) -> dict[str, Any]:
    return {"from": {"email": "shop@example.com"}, "template_id": template}


def mails(n: int) -> Iterator[dict[str, Any]]:
    for i in range(n):
        yield {"properties": {"email": f"p{i}@example.com"}}


def people(n: int, lists: list[str]) -> Iterator[dict[str, Any]]:
    # A list each, in turn: with more lists than the run keeps open at once, every
    # contact leaves in a request of its own.
    for i in range(n):
        yield {"traits": {"email": f"p{i}@example.com"}, "lists": [lists[i % len(lists)]]}


def interrupted(run: Callable[[], Any]) -> tuple[BaseException, float]:
    """Sends this process SIGINT (Ctrl-C) while ``run()`` runs; the exception and
    the seconds from the signal to it."""
    sent: list[float] = []

    def ctrl_c() -> None:
        sent.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Timer(INTERRUPT_AFTER_S, ctrl_c)
    timer.start()
    try:
        run()
    except KeyboardInterrupt as error:
        timer.join()
        return error, time.monotonic() - sent[0]
    finally:
        timer.cancel()
    pytest.fail("the batch ended before Ctrl-C")


def request_count(fake: FakeSendGrid, method: str) -> int:
    return sum(1 for r in fake.requests() if r["method"] == method)


def assert_accounted(report: sg.BatchReport, read: int) -> None:
    assert report.accepted + len(report.failed) == report.total == read, report
    assert 0 < report.accepted < read, report
    assert {f.outcome for f in report.failed} <= STOPPED, report.failed[:3]
    assert all(f.retryable for f in report.failed)


def assert_nothing_starts_later(fake: FakeSendGrid, method: str, count: int) -> None:
    # Requests are logged when answered: one in flight would show within a latency.
    time.sleep(2 * LATENCY_MS / 1000)
    assert request_count(fake, method) == count, "a request started after Ctrl-C"


@pytest.mark.parametrize("as_generator", [False, True], ids=["list", "generator"])
def test_ctrl_c_stops_a_send_batch_with_the_report(fake: FakeSendGrid, as_generator: bool) -> None:
    template = fake.add_template("Order")
    fake.set_latency(LATENCY_MS)
    client = fake.client()
    records = mails(RECORDS) if as_generator else list(mails(RECORDS))
    error, delay = interrupted(
        lambda: client.send_dynamic_templates(records, mapping=send_mapping(template), merge=False)
    )
    assert delay < PROMPT_S
    report = error.report  # type: ignore[attr-defined]
    assert_accounted(report, RECORDS)
    unknown = sum(1 for f in report.failed if f.outcome == "unknown")
    assert report.accepted <= len(fake.messages()) <= report.accepted + unknown
    posts = request_count(fake, "POST")
    assert posts == report.requests
    assert_nothing_starts_later(fake, "POST", posts)
    # Every mail that went out has its message id; the rest none.
    sent = {i for i, m in enumerate(report.message_ids) if m is not None}
    assert len(sent) == report.accepted
    assert sent.isdisjoint(f.index for f in report.failed)


@pytest.mark.parametrize("as_generator", [False, True], ids=["list", "generator"])
def test_ctrl_c_stops_an_upsert_batch_with_the_report(
    fake: FakeSendGrid, as_generator: bool
) -> None:
    lists = [fake.add_list(f"list {i}") for i in range(12)]
    fake.set_latency(LATENCY_MS)
    client = fake.client()
    records = people(RECORDS, lists)
    events = records if as_generator else list(records)
    error, delay = interrupted(lambda: client.upsert_contacts(events, mapping=LIST_MAPPING))
    assert delay < PROMPT_S
    report = error.report  # type: ignore[attr-defined]
    assert_accounted(report, RECORDS)
    puts = request_count(fake, "PUT")
    assert puts == len(report.job_ids) == report.accepted
    assert_nothing_starts_later(fake, "PUT", puts)


def test_cancelling_an_async_batch_stops_it_and_the_error_carries_the_report(
    fake: FakeSendGrid,
) -> None:
    template = fake.add_template("Order")
    fake.set_latency(LATENCY_MS)
    client = sg.AsyncClient(api_key=fake.api_key, endpoint=fake.url)
    seen: list[asyncio.CancelledError] = []

    async def batch() -> sg.BatchReport:
        try:
            return await client.send_dynamic_templates(
                mails(RECORDS), mapping=send_mapping(template), merge=False
            )
        except asyncio.CancelledError as cancelled:
            seen.append(cancelled)
            raise

    async def main() -> tuple[float, int]:
        task = asyncio.create_task(batch())
        await asyncio.sleep(INTERRUPT_AFTER_S)
        task.cancel()
        cancelled_at = time.monotonic()
        with pytest.raises(asyncio.CancelledError) as info:
            await task
        assert task.cancelled()
        if sys.version_info >= (3, 11):
            # From 3.11 the error `await task` raises is the task's own.
            assert info.value is seen[0]
        return time.monotonic() - cancelled_at, request_count(fake, "POST")

    delay, posts = asyncio.run(main())
    assert delay < PROMPT_S
    report = seen[0].report  # type: ignore[attr-defined]
    assert_accounted(report, RECORDS)
    assert posts == report.requests == len(fake.messages()) == report.accepted
    assert_nothing_starts_later(fake, "POST", posts)


def test_cancelling_an_async_upsert_batch_stops_it(fake: FakeSendGrid) -> None:
    lists = [fake.add_list(f"list {i}") for i in range(12)]
    fake.set_latency(LATENCY_MS)
    client = sg.AsyncClient(api_key=fake.api_key, endpoint=fake.url)

    async def main() -> BaseException:
        task = asyncio.create_task(
            client.upsert_contacts(people(RECORDS, lists), mapping=LIST_MAPPING)
        )
        await asyncio.sleep(INTERRUPT_AFTER_S)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError as cancelled:
            return cancelled
        pytest.fail("the batch was not cancelled")

    cancelled = asyncio.run(main())
    report = cancelled.report  # type: ignore[attr-defined]
    assert_accounted(report, RECORDS)
    puts = request_count(fake, "PUT")
    assert puts == len(report.job_ids) == report.accepted
    assert_nothing_starts_later(fake, "PUT", puts)


class LazyRow(Mapping[str, Any]):
    """A row read on access, as database cursors and dataframes hand them out."""

    def __init__(self, data: dict[str, Any], fail: BaseException | None = None) -> None:
        self.data = data
        self.fail = fail

    def __getitem__(self, key: str) -> Any:
        if self.fail is not None:
            raise self.fail
        return self.data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


class ExitingRow(LazyRow):
    """A row whose keys come from a generator that exits the program."""

    def __iter__(self) -> Iterator[str]:
        yield from self.data
        sys.exit(3)


def rows(bad_at: int, bad: Callable[[dict[str, Any]], LazyRow]) -> Iterator[LazyRow]:
    for i in range(10):
        data = {"properties": {"email": f"p{i}@example.com"}, "traits": {"email": f"p{i}@x.io"}}
        yield bad(data) if i == bad_at else LazyRow(data)


BAD_ROWS: dict[str, tuple[type[BaseException], Callable[[dict[str, Any]], LazyRow]]] = {
    "KeyboardInterrupt in __getitem__": (
        KeyboardInterrupt,
        lambda data: LazyRow(data, KeyboardInterrupt()),
    ),
    "SystemExit in __getitem__": (SystemExit, lambda data: LazyRow(data, SystemExit(2))),
    "sys.exit in a generator": (SystemExit, ExitingRow),
}


def stopped_generator(error: BaseException) -> Iterator[dict[str, Any]]:
    yield from ({"properties": {"email": f"p{i}@example.com"}} for i in range(3))
    raise error


@pytest.mark.parametrize("case", list(BAD_ROWS), ids=list(BAD_ROWS))
@pytest.mark.parametrize("action", ["send", "upsert"])
def test_an_interrupt_while_reading_a_record_propagates_with_the_report(
    fake: FakeSendGrid, case: str, action: str
) -> None:
    expected, bad = BAD_ROWS[case]
    client = fake.client()
    template = fake.add_template("Order")
    run: Callable[[], Any] = (
        (lambda: client.send_dynamic_templates(rows(3, bad), mapping=send_mapping(template)))
        if action == "send"
        else (lambda: client.upsert_contacts(rows(3, bad)))
    )
    with pytest.raises(expected) as info:
        run()
    report = info.value.report  # type: ignore[attr-defined]
    # Read up to the bad record (counted), nothing sent: the run stopped at once.
    assert (report.total, report.accepted) == (4, 0)
    assert [f.outcome for f in report.failed] == ["not_sent"] * 4
    assert fake.requests() == []


@pytest.mark.parametrize("error", [KeyboardInterrupt(), SystemExit(1)], ids=repr)
def test_an_interrupt_out_of_a_generator_stops_at_once(
    fake: FakeSendGrid, error: BaseException
) -> None:
    client = fake.client()
    with pytest.raises(type(error)) as info:
        client.upsert_contacts(stopped_generator(error))
    report = info.value.report  # type: ignore[attr-defined]
    assert (report.total, report.accepted, len(report.failed)) == (3, 0, 3)
    assert fake.requests() == []


@pytest.mark.parametrize("case", list(BAD_ROWS), ids=list(BAD_ROWS))
def test_async_batches_raise_interrupts_of_the_input_with_the_report(
    fake: FakeSendGrid, case: str
) -> None:
    expected, bad = BAD_ROWS[case]
    client = sg.AsyncClient(api_key=fake.api_key, endpoint=fake.url)
    with pytest.raises(expected) as info:
        # The input is read when the call is made, before the loop runs.
        asyncio.run(client.upsert_contacts(rows(3, bad)))
    report = info.value.report  # type: ignore[attr-defined]
    assert (report.total, report.accepted) == (4, 0)
    assert fake.requests() == []


def test_async_batches_raise_the_iterators_exception_with_the_report(fake: FakeSendGrid) -> None:
    client = sg.AsyncClient(api_key=fake.api_key, endpoint=fake.url)
    events = stopped_generator(ValueError("broken input"))
    with pytest.raises(ValueError, match="broken input") as info:
        asyncio.run(client.send_dynamic_templates(events, mapping=send_mapping("d-x")))
    report = info.value.report  # type: ignore[attr-defined]
    assert (report.total, report.accepted, len(report.failed)) == (3, 0, 3)
    assert {f.outcome for f in report.failed} == {"not_sent"}
    assert fake.requests() == []


def test_cli_ctrl_c_writes_the_summary_and_every_record_not_accepted(
    fake: FakeSendGrid, tmp_path: Path
) -> None:
    records = 5_000
    template = fake.add_template("Order")
    mapping = tmp_path / "mapping.json"
    # A category of its own per mail: no two mails share a request.
    mapping.write_text(
        json.dumps({**send_mapping(template), "categories": {"@path": "$.properties.tags"}})
    )
    source = write_jsonl(
        tmp_path / "orders.jsonl",
        [{"properties": {"email": f"p{i}@example.com", "tags": [f"t{i}"]}} for i in range(records)],
    )
    failed_out = tmp_path / "failed.jsonl"
    fake.set_latency(LATENCY_MS)
    environment = {**os.environ, "SENDGRID_API_KEY": fake.api_key, "PYTHONWARNINGS": "ignore"}
    command = [script(), "send-emails", str(source), "--mapping", str(mapping)]
    command += ["--endpoint", fake.url, "--failed-out", str(failed_out), "--json"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment
    )
    try:
        deadline = time.monotonic() + 30
        while len(fake.messages()) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert fake.messages(), "the command sent nothing"
        process.send_signal(signal.SIGINT)
        interrupted_at = time.monotonic()
        stdout, stderr = process.communicate(timeout=30)
        delay = time.monotonic() - interrupted_at
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, stderr.decode()
    assert delay < 3 * PROMPT_S
    assert b"interrupted" in stderr
    summary = json.loads(stdout)
    assert summary["records"] == records
    assert summary["error"] == "interrupted (Ctrl-C)"
    lines = [json.loads(line) for line in failed_out.read_text().splitlines()]
    assert summary["accepted"] + len(lines) == records == summary["accepted"] + summary["failed"]
    assert {line["outcome"] for line in lines} <= STOPPED
    assert all(line["record"]["properties"]["email"] for line in lines)
    unknown = sum(1 for line in lines if line["outcome"] == "unknown")
    sent = len(fake.messages())
    assert summary["accepted"] <= sent <= summary["accepted"] + unknown
    assert 0 < summary["accepted"] < records
    # The failed records are exactly those not delivered.
    delivered = {
        p["to"][0]["email"] for m in fake.messages() for p in m["body"]["personalizations"]
    }
    assert delivered.isdisjoint(line["record"]["properties"]["email"] for line in lines)
    assert_nothing_starts_later(fake, "POST", request_count(fake, "POST"))


def test_ctrl_c_stops_list_removals_with_the_report(fake: FakeSendGrid) -> None:
    vip = fake.add_list("VIP")
    client = fake.client()
    leaving = [{"traits": {"email": f"p{i}@example.com"}} for i in range(1_500)]
    client.sync_list(leaving, list_id=vip, wait=True)
    fake.set_latency(LATENCY_MS)
    error, delay = interrupted(lambda: client.sync_list(leaving, list_id=vip, mode="remove"))
    assert delay < PROMPT_S
    report = error.report  # type: ignore[attr-defined]
    assert report.accepted + len(report.failed) == report.total
    assert report.accepted < report.total
    assert {f.outcome for f in report.failed} <= STOPPED
    deletes = request_count(fake, "DELETE")
    assert_nothing_starts_later(fake, "DELETE", deletes)
    # Every member a DELETE removed is counted; the rest are still members.
    still = sum(1 for c in fake.contacts() if vip in c["list_ids"])
    assert still == 1_500 - report.removed
