"""``fraudd replay``: stream a history file into Kinesis through the producer, labels held back.

The producer task runs with a :class:`~fraudd.sources.history_file.ReplaySource` (blocked cards are
declined as in live mode) until the file is exhausted (or ``limit`` swipes were taken) and every
record is accepted by Kinesis. Labels go to the labels table through the producer's
:class:`~fraudd.tasks.labels.LabelQueue` once ``producer.label_delay_days`` of event time have
passed; at the end every label still waiting is written with ``labelled_at = tx_time + delay``,
a time after the data: features only count a label once ``labelled_at`` <= the scored
transaction's time, so writing it early leaks nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import structlog

from fraudd.deps import Deps, open_deps
from fraudd.metrics import Metrics
from fraudd.settings import Settings
from fraudd.sources.history_file import ReplaySource
from fraudd.stream import Entry
from fraudd.tasks import producer
from fraudd.tasks.labels import LabelQueue
from fraudd.tasks.loop import Pass, poll_loop

log = structlog.get_logger(__name__)

UNPACED_TPS: Final[float] = 1e9
"""Rate given to the producer when only the speed-up paces the replay."""
END_OF_TIME: Final[dt.datetime] = dt.datetime.max.replace(tzinfo=dt.UTC)


@dataclass
class ReplaySummary:
    """What a replay sent, declined, labelled and skipped."""

    path: str
    taken: int = 0
    sent: int = 0
    declined: int = 0
    labels: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    out_of_order: int = 0
    first_event: str | None = None
    last_event: str | None = None
    seconds: float = 0.0
    stopped_early: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return dict(self.__dict__)


async def run_replay(
    settings: Settings,
    path: str | Path,
    *,
    rate: float | None = None,
    speedup: float | None = None,
    limit: int | None = None,
    stop: asyncio.Event | None = None,
    metrics: Metrics | None = None,
    on_sent: Callable[[list[Entry]], None] | None = None,
) -> ReplaySummary:
    """Replay ``path`` until it is exhausted, ``limit`` swipes were taken, or ``stop`` is set."""
    stop = stop or asyncio.Event()
    summary = ReplaySummary(str(path))
    began = time.perf_counter()
    source = ReplaySource(
        path,
        max_delay_days=settings.producer.label_delay_days,
        speedup=speedup,
        own=settings.fields.declared,
    )
    async with AsyncExitStack() as stack:
        deps = await open_deps(settings, stack, ("producer",), metrics)
        before = _counts(deps.metrics)
        with source:
            state = _state(settings, source, rate, speedup, limit, on_sent)
            finished = asyncio.Event()
            await _drive(deps, state, source, stop, finished)
            summary.stopped_early = not finished.is_set()
            await _flush_all(deps, state)
        _fill(summary, (before, _counts(deps.metrics)), state, source, began)
    log.info("replay.finished", **summary.as_dict())
    return summary


def _state(
    settings: Settings,
    source: ReplaySource,
    rate: float | None,
    speedup: float | None,
    limit: int | None,
    on_sent: Callable[[list[Entry]], None] | None,
) -> producer.ProducerState:
    p = settings.producer
    tps = rate if rate is not None else (UNPACED_TPS if speedup is not None else p.rate_tps)
    return producer.ProducerState(
        source,
        tps,
        producer.BlockCache(p.block_cache_ttl_s),
        LabelQueue(p.label_delay_days),
        limit=limit,
        on_sent=on_sent,
    )


async def _drive(
    deps: Deps,
    state: producer.ProducerState,
    source: ReplaySource,
    stop: asyncio.Event,
    finished: asyncio.Event,
) -> None:
    """The producer's own step in the shared poll loop (backoff on outages), until done."""
    done = asyncio.Event()

    async def step() -> Pass:
        taken = state.taken
        await producer.step(deps, state)
        busy = state.taken > taken  # a paced source often has nothing due: do not spin
        if not state.pending and (state.done or (not busy and source.exhausted)):
            finished.set()
            done.set()
        return Pass.MORE if busy else Pass.IDLE

    async def relay_stop() -> None:
        await stop.wait()
        done.set()

    relay = asyncio.create_task(relay_stop())
    try:
        await poll_loop("replay", deps, done, step, producer.TICK_S)
    finally:
        relay.cancel()


async def _flush_all(deps: Deps, state: producer.ProducerState) -> None:
    """Write every label still waiting, each with its own ``labelled_at``."""
    await state.labels.flush(deps, END_OF_TIME)


def _counts(metrics: Metrics) -> dict[str, float]:
    registry = metrics.registry

    def value(name: str, **labels: str) -> float:
        return registry.get_sample_value(name, labels or None) or 0.0

    return {
        "sent": value("fraudd_records_produced_total"),
        "labels": value("fraudd_labels_written_total"),
        "declined": sum(
            value("fraudd_swipes_declined_total", fraud=f) for f in ("true", "false", "unknown")
        ),
    }


def _fill(
    summary: ReplaySummary,
    counts: tuple[dict[str, float], dict[str, float]],
    state: producer.ProducerState,
    source: ReplaySource,
    began: float,
) -> None:
    before, after = counts
    summary.sent = int(after["sent"] - before["sent"])
    summary.labels = int(after["labels"] - before["labels"])
    summary.declined = int(after["declined"] - before["declined"])
    summary.taken = state.taken
    summary.rejected = dict(source.rejected)
    summary.out_of_order = source.out_of_order
    summary.first_event = source.first_event.isoformat() if source.first_event else None
    summary.last_event = source.newest_event.isoformat() if source.newest_event else None
    summary.seconds = round(time.perf_counter() - began, 3)
