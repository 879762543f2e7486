"""``threaded``: a blocking iterator advanced on a worker thread one item ahead of the consumer,
on a real event loop and real threads."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest

from fraudd.history.loader import threaded


class Recorded:
    """A blocking iterator that records which thread produced each item, and when."""

    def __init__(self, n: int, fail_at: int | None = None) -> None:
        self.n, self.fail_at = n, fail_at
        self.events: list[str] = []
        self.threads: set[int] = set()

    def __iter__(self) -> Iterator[int]:
        for i in range(self.n):
            if i == self.fail_at:
                raise ValueError(f"line {i} is broken")
            self.threads.add(threading.get_ident())
            self.events.append(f"made {i}")
            yield i


async def test_every_item_arrives_in_order_from_a_worker_thread() -> None:
    source = Recorded(5)
    assert [i async for i in threaded(iter(source))] == [0, 1, 2, 3, 4]
    assert source.threads and threading.get_ident() not in source.threads


async def test_the_next_item_is_made_while_the_consumer_holds_this_one() -> None:
    source = Recorded(3)
    async for item in threaded(iter(source)):
        await asyncio.sleep(0)  # the consumer awaits (the load) ...
        for _ in range(100):  # ... and meanwhile the worker makes the next item
            if f"made {item + 1}" in source.events or item == 2:
                break
            await asyncio.sleep(0.005)
        source.events.append(f"used {item}")
    assert source.events == ["made 0", "made 1", "used 0", "made 2", "used 1", "used 2"]


async def test_stopping_early_waits_for_the_thread_and_reads_no_further() -> None:
    source = Recorded(10)
    items = threaded(iter(source))
    async for item in items:
        if item == 1:
            break
    # aclose returns once the read ahead (item 2) is finished: no thread is left running, and
    # nothing after it is read.
    await items.aclose()
    assert source.events == ["made 0", "made 1", "made 2"]


async def test_an_error_in_the_iterator_reaches_the_consumer() -> None:
    got: list[int] = []
    with pytest.raises(ValueError, match="line 2 is broken"):
        async for item in threaded(iter(Recorded(5, fail_at=2))):
            got.append(item)
    assert got == [0, 1]


async def test_an_empty_iterator_yields_nothing() -> None:
    assert [i async for i in threaded(iter([]))] == []
