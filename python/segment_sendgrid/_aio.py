"""Makes the async methods of ``AsyncClient`` return real coroutines.

pyo3-async-runtimes creates its asyncio future at once, which needs a running event
loop; ``asyncio.run(client.check())`` calls ``check()`` before the loop runs. The native
methods therefore hand ``run_lazily`` a ``start`` callable: calling ``run_lazily`` only
creates a coroutine, and ``start()`` runs when the coroutine is first awaited, inside
the loop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def run_lazily(start: Callable[[], Awaitable[T]]) -> T:
    """Awaits what ``start()`` returns, calling it only once the loop runs this."""
    return await start()
