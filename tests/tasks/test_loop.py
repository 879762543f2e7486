"""The shared poll loop: when it runs a step again at once, and when it waits (pure logic)."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

from prometheus_client import CollectorRegistry

from fraudd.deps import Deps
from fraudd.health import Health
from fraudd.metrics import create_metrics
from fraudd.settings import Settings
from fraudd.tasks.loop import Pass, poll_loop

INTERVAL_S = 0.2


def _deps() -> Deps:
    metrics = create_metrics(CollectorRegistry())
    warehouse: Any = None  # the loop itself never touches it
    return Deps(Settings(), metrics, Health(metrics=metrics, timeout_s=60.0), warehouse)


async def _run(outcomes: list[Pass]) -> tuple[list[float], Deps]:
    """Run the loop over ``outcomes`` (then stop); the monotonic time of each step."""
    deps, stop, calls = _deps(), asyncio.Event(), []

    async def step() -> Pass:
        calls.append(time.monotonic())
        if len(calls) == len(outcomes):
            stop.set()
        return outcomes[len(calls) - 1]

    await asyncio.wait_for(poll_loop("t", deps, stop, step, INTERVAL_S), 10)
    return calls, deps


async def test_more_runs_again_at_once() -> None:
    calls, _ = await _run([Pass.MORE, Pass.MORE, Pass.MORE])
    assert calls[-1] - calls[0] < INTERVAL_S / 2


async def test_caught_up_and_idle_wait_the_interval() -> None:
    calls, _ = await _run([Pass.CAUGHT_UP, Pass.IDLE, Pass.MORE])
    gaps = [b - a for a, b in itertools.pairwise(calls)]
    assert all(gap >= INTERVAL_S * 0.9 for gap in gaps)


async def test_only_passes_that_did_work_are_timed_as_batches() -> None:
    _, deps = await _run([Pass.CAUGHT_UP, Pass.IDLE, Pass.MORE])
    timed = deps.metrics.registry.get_sample_value(
        "fraudd_batch_duration_seconds_count", {"task": "t"}
    )
    assert timed == 2


async def test_serialization_conflicts_are_retried_and_counted() -> None:
    """Redshift's error 1023 (message "1023", words in the detail) is retried with backoff and
    counted apart from outages and from another consumer's watermark advance."""
    from fraudd.warehouse import WarehouseError, WatermarkConflict

    deps, stop, calls = _deps(), asyncio.Event(), []
    errors: list[Exception] = [
        WarehouseError("ProgrammingError: 1023 Serializable isolation violation on table - 1",
                       transient=True, sqlstate="XX000"),
        WatermarkConflict("shardId-000000000000"),
        WarehouseError("OperationalError: connection reset", transient=True),
    ]  # fmt: skip

    async def step() -> Pass:
        calls.append(time.monotonic())
        if errors:
            raise errors.pop(0)
        stop.set()
        return Pass.IDLE

    await asyncio.wait_for(poll_loop("consumer", deps, stop, step, INTERVAL_S), 20)
    sample = deps.metrics.registry.get_sample_value
    for reason in ("serialization_conflict", "watermark_conflict", "transient"):
        assert sample("fraudd_retries_total", {"operation": f"consumer.{reason}"}) == 1
    assert len(calls) == 4
