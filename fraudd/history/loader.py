"""What a bulk load of history needs on the client side: progress reports and a thread that
reads the next chunk while the warehouse loads the current one.

The load itself (staging, duplicate checks, inserts) is the warehouse seam's
:meth:`~fraudd.warehouse.history.HistoryOps.history_load`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
ProgressFn = Callable[[str, float, float | None], None]
"""``progress(task, completed, total)``: what a command shows while loading."""


async def threaded(items: Iterator[T]) -> AsyncIterator[T]:
    """Advance a blocking iterator on a worker thread, one item ahead of the consumer.

    Parsing, validating and formatting the next chunk then overlaps with the server loading
    the current one (two cores: one for Python, one for the database).
    """
    done = object()

    def advance() -> Any:
        return next(items, done)

    pending: asyncio.Future[Any] = asyncio.ensure_future(asyncio.to_thread(advance))
    try:
        while (item := await pending) is not done:
            pending = asyncio.ensure_future(asyncio.to_thread(advance))
            yield item
    finally:
        if not pending.done():  # the consumer stopped early: let the thread finish first
            await asyncio.gather(pending, return_exceptions=True)
