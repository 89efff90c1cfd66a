"""Makes the async methods of ``AsyncClient`` return real coroutines.

pyo3-async-runtimes creates its asyncio future at once, which needs a running event
loop; ``asyncio.run(client.check())`` calls ``check()`` before the loop runs. The native
methods therefore hand ``run_lazily`` a ``start`` callable: calling ``run_lazily`` only
creates a coroutine, and ``start()`` runs when the coroutine is first awaited, inside
the loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


async def run_lazily(start: Callable[[], Awaitable[T]]) -> T:
    """Awaits what ``start()`` returns, calling it only once the loop runs this."""
    return await start()


async def run_batch(
    start: Callable[[], Awaitable[T]], wind_down: Callable[[], Awaitable[Any]]
) -> T:
    """A batch: ``run_lazily(start)``, and when the task is cancelled (the run is then
    stopped: no request starts), waits for the requests in flight to end (at most the
    client's timeout) and raises the ``CancelledError`` with the report as ``.report``."""
    try:
        return await start()
    except asyncio.CancelledError as cancelled:
        cancelled.report = await wind_down()  # type: ignore[attr-defined]
        raise
