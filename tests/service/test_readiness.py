"""Readiness on the real local stack: the warehouse and the stream are up while they answer, and
down when the pool is closed or the stream is gone; the loop checks until stopped."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest

from fraudd.deps import Deps, open_deps
from fraudd.localstack import StackInfo
from fraudd.service import readiness
from fraudd.settings import Settings
from fraudd.stream import Stream


@pytest.fixture
async def deps(local_stack: tuple[Settings, StackInfo]) -> AsyncIterator[Deps]:
    """Dependencies of an ingest process (warehouse and stream) on the session's stack."""
    settings = local_stack[0].derive(http={"port": 0})
    async with AsyncExitStack() as stack:
        yield await open_deps(settings, stack, ("ingest",))


async def test_both_dependencies_up_make_the_process_ready(deps: Deps) -> None:
    assert not deps.health.ready()  # nothing checked yet
    await readiness.check_once(deps)
    assert deps.health.dependencies == {"warehouse": True, "stream": True}
    assert deps.health.ready()


async def test_a_missing_stream_is_down(deps: Deps) -> None:
    assert deps.stream is not None
    s = deps.stream
    gone = Stream(s.client, "fraudd-no-such-stream", s.metrics, s.policy)
    await readiness.check_once(dataclasses.replace(deps, stream=gone))
    assert deps.health.dependencies == {"warehouse": True, "stream": False}
    assert not deps.health.ready()


async def test_a_closed_pool_is_down(deps: Deps) -> None:
    await deps.warehouse.close()
    await readiness.check_once(deps)
    assert deps.health.dependencies["warehouse"] is False


async def test_a_process_without_a_stream_checks_only_the_warehouse(deps: Deps) -> None:
    await readiness.check_once(dataclasses.replace(deps, stream=None))
    assert deps.health.dependencies == {"warehouse": True}


async def test_a_warehouse_that_hangs_is_down_after_the_timeout(
    deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readiness, "CHECK_EVERY_S", 0.05)
    stalled = asyncio.Event()

    async def hang() -> bool:
        stalled.set()
        await asyncio.Event().wait()
        return True

    monkeypatch.setattr(deps.warehouse, "ping", hang)
    await readiness.check_once(deps)
    assert stalled.is_set() and deps.health.dependencies["warehouse"] is False


async def test_run_checks_until_stopped(deps: Deps) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(readiness.run(deps, stop))
    for _ in range(200):
        if deps.health.dependencies:
            break
        await asyncio.sleep(0.01)
    assert deps.health.ready()
    stop.set()
    await asyncio.wait_for(task, 1.0)  # the sleep between checks ends at once
