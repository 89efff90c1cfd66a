"""``os.fork()`` after the library was used (multiprocessing's ``fork`` start method,
Celery prefork, gunicorn ``--preload``): the child gets a runtime and connection pools
of its own, a client made before the fork works in it, the parent is unaffected, and an
emulator started by the parent says it does not serve in the child. The emulator the
clients talk to runs in another process; every wait is bounded, so a hang fails."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import segment_sendgrid as sg
from segment_sendgrid.testing import FakeSendGrid

if not hasattr(os, "fork"):
    pytest.skip("os.fork() does not exist on this platform", allow_module_level=True)

# Python 3.12+ warns that forking a process with threads may deadlock: that is the
# situation these tests check the library handles.
pytestmark = pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")

KEY = "SG.fork-test-key"
# A child that has not finished by then hangs.
CHILD_TIMEOUT_S = 30.0
FORK = multiprocessing.get_context("fork")


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """An emulator in another process (not forked from this one)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "segment_sendgrid.testing", "--port", "0", "--api-key", KEY],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("FakeSendGrid serving at "), first
        yield first.rsplit(" ", 1)[1].strip()
    finally:
        process.terminate()
        process.wait(timeout=15)


def events(n: int) -> list[dict[str, Any]]:
    return [{"traits": {"email": f"fork{i}@example.com"}} for i in range(n)]


def use(client: sg.Client) -> str:
    """A lookup and a batch: the runtime, the pool and the batch machinery."""
    scopes = client.check()
    report = client.upsert_contacts(events(20))
    assert report.accepted == 20, report
    return scopes[0]


def in_child(target: Callable[..., Any], *args: Any) -> Any:
    """Runs ``target(*args)`` in a forked child; its result, or its exception re-raised
    here with the child's traceback; a child that does not end in time fails."""
    results = FORK.SimpleQueue()

    def run() -> None:
        try:
            results.put(("ok", target(*args)))
        except BaseException as error:  # the child reports everything
            results.put(("error", f"{error!r}\n{traceback.format_exc()}"))

    child = FORK.Process(target=run)
    child.start()
    child.join(CHILD_TIMEOUT_S)
    if child.is_alive():
        child.kill()
        child.join()
        pytest.fail(f"the forked child hung (> {CHILD_TIMEOUT_S:.0f} s)")
    assert not results.empty(), f"the child died without an answer (exit code {child.exitcode})"
    kind, value = results.get()
    assert kind == "ok", value
    assert child.exitcode == 0
    return value


def bounded(call: Callable[[], Any], timeout_s: float = CHILD_TIMEOUT_S) -> Any:
    """``call()`` in this process, failing instead of hanging."""
    outcome: list[Any] = []
    thread = threading.Thread(target=lambda: outcome.append(call()), daemon=True)
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        pytest.fail(f"the call hung (> {timeout_s:.0f} s)")
    assert outcome, "the call raised (see the thread's traceback above)"
    return outcome[0]


def fresh_client(endpoint: str) -> str:
    return use(sg.Client(api_key=KEY, endpoint=endpoint, timeout=5))


def test_clients_work_in_forked_children_and_in_the_parent_after(endpoint: str) -> None:
    client = sg.Client(api_key=KEY, endpoint=endpoint, timeout=5)
    assert use(client)  # the parent's runtime and pool are up, connections pooled
    for _ in range(2):
        # The parent's client, then a client made in the child.
        assert in_child(use, client)
        assert in_child(fresh_client, endpoint)
    assert bounded(lambda: use(client))
    assert bounded(lambda: fresh_client(endpoint))


def test_a_child_of_a_child_works_too(endpoint: str) -> None:
    client = sg.Client(api_key=KEY, endpoint=endpoint, timeout=5)
    assert use(client)

    def grandchild() -> str:
        use(client)
        return str(in_child(use, client))

    assert in_child(grandchild)
    assert bounded(lambda: use(client))


async def use_async(client: sg.AsyncClient) -> int:
    await client.check()
    report = await client.upsert_contacts(events(20))
    return report.accepted


def async_in_child(client: sg.AsyncClient, endpoint: str) -> list[int]:
    fresh = sg.AsyncClient(api_key=KEY, endpoint=endpoint, timeout=5)

    async def both() -> list[int]:
        return [await use_async(client), await use_async(fresh)]

    return asyncio.run(both())


def test_async_clients_work_in_children_forked_while_a_loop_runs(endpoint: str) -> None:
    client = sg.AsyncClient(api_key=KEY, endpoint=endpoint, timeout=5)
    assert asyncio.run(use_async(client)) == 20

    async def main() -> None:
        assert await use_async(client) == 20
        # Forked from inside the running loop (blocked meanwhile), its runtime just used.
        assert in_child(async_in_child, client, endpoint) == [20, 20]
        assert await asyncio.wait_for(use_async(client), CHILD_TIMEOUT_S) == 20

    asyncio.run(main())
    assert in_child(async_in_child, client, endpoint) == [20, 20]


def emulator_in_child(fake: FakeSendGrid) -> str:
    assert not fake.running
    with pytest.raises(RuntimeError, match="forked") as info:
        fake.messages()
    with pytest.raises(RuntimeError, match="forked"):
        fake.client()
    fake.stop()  # not this process's server: nothing to stop, no wait
    with FakeSendGrid() as own:
        own.client().check()
    return str(info.value)


def test_an_emulator_started_before_the_fork_says_it_does_not_serve_in_the_child() -> None:
    with FakeSendGrid() as fake:
        fake.client().check()
        message = in_child(emulator_in_child, fake)
        assert "started in process" in message
        assert fake.running
        assert bounded(lambda: fake.client().check())
        assert len(fake.requests()) == 2


def shortcut_in_child(endpoint: str) -> str:
    event = {"traits": {"email": "shortcut@example.com"}}
    return sg.upsert_contact(event, api_key=KEY, endpoint=endpoint).job_id


def test_module_level_helpers_work_in_a_child_forked_while_they_were_in_use(
    endpoint: str,
) -> None:
    from segment_sendgrid import _shortcuts

    assert shortcut_in_child(endpoint)
    # As if another thread were getting the shared client at the fork.
    with _shortcuts._lock:
        assert in_child(shortcut_in_child, endpoint)
    assert shortcut_in_child(endpoint)
