"""The consumer's poll, in process, with the time of each stage and the CPU of each side.

The stream view is filled directly with wire records continuing the history (what ingest would
append), so a poll's cost is measured without Kinesis in the way. Stages come from the product's own
metric ``fraudd_consumer_stage_seconds{stage}`` (read, store, velocity, features, score, write),
read from the registry before and after each poll; ``commit`` is what is left of the step.
"""

from __future__ import annotations

import datetime as dt
import time
import zlib
from collections import defaultdict
from dataclasses import dataclass, field

from fraudd.deps import Deps
from fraudd.health import Health
from fraudd.metrics import create_metrics
from fraudd.scoring.engine import Engine, build_engine
from fraudd.settings import Settings
from fraudd.sources.live import LiveSource
from fraudd.tasks import consumer
from fraudd.tasks.producer import to_swipe
from fraudd.warehouse import Warehouse
from fraudd.warehouse.stream import StreamRecord

SHARDS = 4
STAGE_METRIC = "fraudd_consumer_stage_seconds"


@dataclass
class StageTimes:
    """Wall seconds and this process's CPU seconds in each stage, summed over the polls."""

    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    cpu: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def add(self, name: str, seconds: float, cpu: float = 0.0) -> None:
        self.seconds[name] += seconds
        self.cpu[name] += cpu


def stage_seconds(deps: Deps) -> dict[str, float]:
    """Seconds spent so far in each consumer stage, from the product's metric."""
    totals: dict[str, float] = {}
    for family in deps.metrics.registry.collect():
        if family.name != STAGE_METRIC:
            continue
        for sample in family.samples:
            if sample.name == f"{STAGE_METRIC}_sum":
                totals[sample.labels["stage"]] = sample.value
    return totals


def shard_of(partition_key: str) -> str:
    """The shard a record put with ``partition_key`` lands in (the stand-in's hash, by key)."""
    return f"shardId-{zlib.crc32(partition_key.encode()) % SHARDS:012d}"


@dataclass(frozen=True)
class Appended:
    """A batch of records appended to the stream view: its tx ids and tx_time range."""

    tx_ids: list[str]
    first: dt.datetime
    last: dt.datetime


class StreamFiller:
    """Appends wire records continuing the history to the stream view, as ingest would."""

    def __init__(self, source: LiveSource) -> None:
        self.source = source
        self.sequence = 10**20

    async def append(self, wh: Warehouse, n: int) -> Appended:
        """Append ``n`` records spread over the shards by card (through the ingest role's own
        operation)."""
        drafts = self.source.take(n)
        now = dt.datetime.now(dt.UTC)
        records = [
            StreamRecord(shard_of(d.card_token), str(self.sequence + i), d.card_token, now,
                         to_swipe(d, now).to_bytes())
            for i, d in enumerate(drafts)
        ]  # fmt: skip
        self.sequence += n
        async with wh.session() as session:
            await session.append_records(records)
        times = [d.tx_time for d in drafts]
        return Appended([d.tx_id for d in drafts], min(times), max(times))


def consumer_deps(settings: Settings, wh: Warehouse) -> Deps:
    """What the consumer task needs, without the AWS clients it does not use."""
    metrics = create_metrics()
    return Deps(settings, metrics, Health(metrics=metrics, timeout_s=60.0), wh)


def consumer_engine(deps: Deps) -> Engine:
    return build_engine(deps.settings, deps.metrics)


async def timed_poll(
    deps: Deps, state: consumer.ConsumerState, engine: Engine, times: StageTimes
) -> float:
    """One consumer poll with its stages timed; returns the poll's wall seconds."""
    before = stage_seconds(deps)
    began, cpu = time.perf_counter(), time.process_time()
    busy = await consumer.step(deps, state, engine)
    elapsed = time.perf_counter() - began
    if not busy:
        raise RuntimeError("the consumer found nothing to decide")
    for name, total in stage_seconds(deps).items():
        times.add(name, total - before.get(name, 0.0))
    times.add("commit", max(0.0, elapsed - sum(stage_seconds(deps).values())
                           + sum(before.values())))  # fmt: skip
    times.add("poll", elapsed, time.process_time() - cpu)
    return elapsed
