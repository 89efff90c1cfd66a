"""Client.check(): the whole stack against a loopback server, sync and async."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

import segment_sendgrid as sg
from conftest import FORBIDDEN_KEY, GOOD_KEY, SCOPES

T = TypeVar("T")


def test_check_returns_scopes(loopback: Any) -> None:
    assert sg.Client(api_key=GOOD_KEY, endpoint=loopback.url).check() == SCOPES
    seen = loopback.state.seen[-1]
    assert seen["path"] == "/v3/scopes"
    assert seen["headers"]["authorization"] == f"Bearer {GOOD_KEY}"


def run_async(call: Callable[[], Awaitable[T]]) -> T:
    """Creates and awaits the awaitable inside a running event loop."""

    async def main() -> T:
        return await call()

    return asyncio.run(main())


def test_async_check_returns_the_same(loopback: Any) -> None:
    client = sg.AsyncClient(api_key=GOOD_KEY, endpoint=loopback.url)
    assert run_async(client.check) == sg.Client(api_key=GOOD_KEY, endpoint=loopback.url).check()


@pytest.mark.parametrize(
    ("key", "cls", "message"),
    [
        ("SG.wrong", sg.AuthenticationError, "authorization required"),
        (FORBIDDEN_KEY, sg.ForbiddenError, "access forbidden"),
    ],
)
def test_sync_and_async_raise_the_same_errors(
    loopback: Any, key: str, cls: type[sg.ApiError], message: str
) -> None:
    with pytest.raises(cls) as sync_info:
        sg.Client(api_key=key, endpoint=loopback.url).check()
    with pytest.raises(cls) as async_info:
        run_async(sg.AsyncClient(api_key=key, endpoint=loopback.url).check)
    for info in (sync_info, async_info):
        assert info.value.errors == [{"message": message, "field": None}]
        assert message in str(info.value)
    assert str(sync_info.value) == str(async_info.value)


def test_auth_errors_are_not_retried(loopback: Any) -> None:
    with pytest.raises(sg.AuthenticationError):
        sg.Client(api_key="SG.wrong", endpoint=loopback.url, max_retries=5).check()
    assert len(loopback.state.seen) == 1


def test_connection_refused_is_transport_error_not_sent(closed_port_url: str) -> None:
    client = sg.Client(api_key=GOOD_KEY, endpoint=closed_port_url, max_retries=0)
    with pytest.raises(sg.TransportError) as sync_info:
        client.check()
    aclient = sg.AsyncClient(api_key=GOOD_KEY, endpoint=closed_port_url, max_retries=0)
    with pytest.raises(sg.TransportError) as async_info:
        run_async(aclient.check)
    for info in (sync_info, async_info):
        assert info.value.maybe_sent is False
        assert "could not connect" in str(info.value)


def test_timeout_is_transport_error_maybe_sent(loopback: Any) -> None:
    loopback.state.delay_s = 1.0
    client = sg.Client(api_key=GOOD_KEY, endpoint=loopback.url, timeout=0.2, max_retries=0)
    with pytest.raises(sg.TransportError) as info:
        client.check()
    assert info.value.maybe_sent is True
    assert "timed out" in str(info.value)


def test_server_errors_are_retried_for_lookups(loopback: Any) -> None:
    loopback.state.fail_statuses = [500, 503]
    client = sg.Client(api_key=GOOD_KEY, endpoint=loopback.url, max_retries=2)
    assert client.check() == SCOPES
    assert len(loopback.state.seen) == 3


def test_retries_stop_at_max_retries(loopback: Any) -> None:
    loopback.state.fail_statuses = [500, 500, 500]
    client = sg.Client(api_key=GOOD_KEY, endpoint=loopback.url, max_retries=1)
    with pytest.raises(sg.ServerError):
        client.check()
    assert len(loopback.state.seen) == 2


def test_rate_limit_waits_until_reset(loopback: Any) -> None:
    loopback.state.fail_statuses = [429]
    loopback.state.reset_header = "1"  # seconds from now
    client = sg.Client(api_key=GOOD_KEY, endpoint=loopback.url, max_retries=1)
    started = time.monotonic()
    assert client.check() == SCOPES
    elapsed = time.monotonic() - started
    assert len(loopback.state.seen) == 2
    assert elapsed >= 0.5  # waited for the window, did not hammer


def test_rate_limit_error_carries_reset_at(loopback: Any) -> None:
    loopback.state.fail_statuses = [429]
    loopback.state.reset_header = str(int(time.time()) + 30)
    client = sg.Client(api_key=GOOD_KEY, endpoint=loopback.url, max_retries=0)
    with pytest.raises(sg.RateLimitError) as info:
        client.check()
    assert info.value.reset_at == float(loopback.state.reset_header)


def test_sync_calls_release_the_gil(loopback: Any) -> None:
    loopback.state.delay_s = 0.3
    client = sg.Client(api_key=GOOD_KEY, endpoint=loopback.url)
    results: list[list[str]] = []

    def call() -> None:
        results.append(client.check())

    threads = [threading.Thread(target=call) for _ in range(2)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    assert results == [SCOPES, SCOPES]
    assert elapsed < 0.55, f"two 300 ms calls took {elapsed:.3f}s: the GIL was held"


def test_async_calls_run_concurrently(loopback: Any) -> None:
    loopback.state.delay_s = 0.3
    client = sg.AsyncClient(api_key=GOOD_KEY, endpoint=loopback.url)

    async def main() -> list[list[str]]:
        return await asyncio.gather(*(client.check() for _ in range(4)))

    started = time.monotonic()
    assert asyncio.run(main()) == [SCOPES] * 4
    assert time.monotonic() - started < 0.9


def test_python_threads_keep_running_during_a_sync_call(loopback: Any) -> None:
    loopback.state.delay_s = 0.3
    client = sg.Client(api_key=GOOD_KEY, endpoint=loopback.url)
    ticks = 0
    stop = threading.Event()

    def spin() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0.001)

    spinner = threading.Thread(target=spin)
    spinner.start()
    client.check()
    stop.set()
    spinner.join()
    assert ticks > 50


def test_async_methods_return_coroutines_usable_with_asyncio_run(loopback: Any) -> None:
    client = sg.AsyncClient(api_key=GOOD_KEY, endpoint=loopback.url)
    pending = client.check()
    assert asyncio.iscoroutine(pending)
    pending.close()  # creating it ran nothing: no request was sent
    assert loopback.state.seen == []
    assert asyncio.run(client.check()) == SCOPES
    assert len(loopback.state.seen) == 1
