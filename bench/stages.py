"""The consumer's poll, in process, with the time of each stage and the CPU of each side.

The stream view is filled directly with wire records continuing the history (what ingest would
append), so a poll's cost is measured without Kinesis in the way. Stages are timed by wrapping
the consumer's and the engine's own functions for the duration of a measurement (nothing in
``fraudd`` is changed): read (fetch + parse), store (INSERT transactions), velocity (the rules'
query), features (the serving feature query), score (the model), write (decisions, outbox,
watermarks); ``commit`` is what is left of the step.
"""

from __future__ import annotations

import datetime as dt
import time
import zlib
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fraudd.deps import Deps
from fraudd.health import Health
from fraudd.metrics import create_metrics
from fraudd.scoring import engine as engine_module
from fraudd.scoring.engine import Engine, build_engine
from fraudd.scoring.local import LocalScorer
from fraudd.settings import Settings
from fraudd.sources.live import LiveSource
from fraudd.stream import Entry
from fraudd.tasks import consumer
from fraudd.tasks.producer import to_swipe
from fraudd.warehouse import Pool

SHARDS = 4
APPEND = """
INSERT INTO {schema}.{view}
    (approximate_arrival_timestamp, partition_key, shard_id, sequence_number, kinesis_data)
SELECT * FROM unnest(%s::timestamptz[], %s::text[], %s::text[], %s::numeric[], %s::bytea[])
"""
STAGES = {
    "read": (consumer, "_read"),
    "store": (consumer, "_store_transactions"),
    "velocity": (engine_module, "velocities"),
    "features": (engine_module, "serving_features"),
    "write_decisions": (consumer, "_write_decisions"),
    "write_outbox": (consumer, "_write_outbox"),
    "write_watermarks": (consumer, "_advance_watermarks"),
}


@dataclass
class StageTimes:
    """Wall seconds and this process's CPU seconds in each stage, summed over the polls."""

    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    cpu: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def add(self, name: str, seconds: float, cpu: float = 0.0) -> None:
        self.seconds[name] += seconds
        self.cpu[name] += cpu


def _timed(times: StageTimes, name: str, fn: Callable[..., Awaitable[Any]]) -> Any:
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        began, cpu = time.perf_counter(), time.process_time()
        try:
            return await fn(*args, **kwargs)
        finally:
            times.add(name, time.perf_counter() - began, time.process_time() - cpu)

    return wrapper


@contextmanager
def timed_stages(times: StageTimes) -> Iterator[None]:
    """Wrap the consumer's stage functions (and the scorer) while the block runs."""
    originals = [(module, attr, getattr(module, attr)) for module, attr in STAGES.values()]
    score = LocalScorer.score
    try:
        for name, (module, attr) in STAGES.items():
            setattr(module, attr, _timed(times, name, getattr(module, attr)))
        LocalScorer.score = _timed(times, "score", score)  # type: ignore[method-assign]
        yield
    finally:
        for module, attr, fn in originals:
            setattr(module, attr, fn)
        LocalScorer.score = score  # type: ignore[method-assign]


class StreamFiller:
    """Appends wire records continuing the history to the stream view, as ingest would."""

    def __init__(self, source: LiveSource) -> None:
        self.source = source
        self.sequence = 10**20

    async def append(self, wh: Pool, settings: Settings, n: int) -> list[str]:
        """Append ``n`` records spread over the shards by card; return their tx ids."""
        drafts = self.source.take(n)
        now = dt.datetime.now(dt.UTC)
        entries = [Entry(to_swipe(d, now).to_bytes(), d.card_token) for d in drafts]
        shards = [f"shardId-{zlib.crc32(e.partition_key.encode()) % SHARDS:012d}" for e in entries]
        sequences = list(range(self.sequence, self.sequence + n))
        self.sequence += n
        sql = APPEND.format(schema=wh.schema, view=settings.warehouse.streaming_view)
        async with wh.acquire() as conn:
            await conn.execute(
                sql, [now] * n, [e.partition_key for e in entries], shards, sequences,
                [e.data for e in entries],
            )
        return [d.tx_id for d in drafts]


def consumer_deps(settings: Settings, wh: Pool) -> Deps:
    """What the consumer task needs, without the AWS clients it does not use."""
    metrics = create_metrics()
    return Deps(settings, metrics, Health(metrics=metrics, timeout_s=60.0), wh)


def consumer_engine(deps: Deps) -> Engine:
    return build_engine(deps.settings, deps.warehouse.dialect, deps.metrics)


async def timed_poll(
    deps: Deps, state: consumer.ConsumerState, engine: Engine, times: StageTimes
) -> float:
    """One consumer poll with its stages timed; returns the poll's wall seconds."""
    began, cpu = time.perf_counter(), time.process_time()
    with timed_stages(times):
        busy = await consumer.step(deps, state, engine)
    elapsed = time.perf_counter() - began
    if not busy:
        raise RuntimeError("the consumer found nothing to decide")
    times.add("poll", elapsed, time.process_time() - cpu)
    return elapsed
