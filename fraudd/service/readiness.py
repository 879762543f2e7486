"""Readiness: check the stream and the warehouse every few seconds for ``/readyz``."""

from __future__ import annotations

import asyncio

import structlog

from fraudd.deps import Deps
from fraudd.tasks.loop import sleep_unless_stopped

log = structlog.get_logger(__name__)
CHECK_EVERY_S = 2.0


async def check_once(deps: Deps) -> None:
    """Update the health state of each dependency this process uses."""
    up = await _warehouse_up(deps)
    deps.health.set_dependency("warehouse", up)
    if deps.stream is not None:
        deps.health.set_dependency("stream", await _stream_up(deps))


async def _warehouse_up(deps: Deps) -> bool:
    try:
        return await asyncio.wait_for(deps.warehouse.ping(), CHECK_EVERY_S * 2)
    except Exception:
        return False


async def _stream_up(deps: Deps) -> bool:
    assert deps.stream is not None
    try:
        await asyncio.wait_for(
            deps.stream.client.describe_stream_summary(StreamName=deps.stream.name),
            CHECK_EVERY_S * 2,
        )
        return True
    except Exception:
        return False


async def run(deps: Deps, stop: asyncio.Event) -> None:
    """Check until stopped."""
    while not stop.is_set():
        await check_once(deps)
        await sleep_unless_stopped(stop, CHECK_EVERY_S)
