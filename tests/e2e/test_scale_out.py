"""Scale-out: several consumer instances share one stream by shard, in one consumer group.

Each instance runs with its own settings (``consumer.instance_index`` of ``instance_count``), its
own pool and its own metrics registry, as separate ``fraudd@i-of-N`` processes would; a producer
and the local ingest feed a 4-shard stream while they run. Every record must get exactly one
decision. A misconfiguration where two instances both own every shard must still not decide any
record twice: the optimistic watermark makes the slower one roll back.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from structlog.testing import capture_logs

from fraudd.deps import Deps, open_deps
from fraudd.metrics import Metrics, create_metrics
from fraudd.sources.simple import SimpleSource
from fraudd.tasks import consumer, ingest, producer
from tests.e2e.harness import Env, decision_counts, make_env, recording_producer, run_until, scalar

pytestmark = pytest.mark.timeout(240)
SHARDS = 4


@dataclass
class Outcome:
    sent: list[str]
    metrics: list[Metrics]  # one registry per consumer instance
    seconds: float


def decided_by(metrics: Metrics) -> float:
    """Records one instance decided, from its own registry (all decisions)."""
    return sum(
        metrics.registry.get_sample_value("fraudd_records_decided_total", {"decision": d}) or 0.0
        for d in ("approve", "review", "block")
    )


async def run_instances(
    env: Env, instances: list[tuple[int, int]], limit: int, rate: float
) -> Outcome:
    """Producer + ingest, and one consumer per (index, count), until every record is decided."""
    sent: list[str] = []
    stop, producer_stop = asyncio.Event(), asyncio.Event()
    started = time.perf_counter()
    async with AsyncExitStack() as stack:
        feed = await open_deps(env.settings, stack, ("producer", "ingest"), create_metrics())
        source = SimpleSource(3000, 5000, seed=11, start=datetime.now(UTC), fraud_share=0.02)
        state = recording_producer(env, source, rate, limit, sent, block_ttl_s=0.2)
        consumers: list[Deps] = []
        for index, count in instances:
            settings = env.settings.derive(
                **{
                    "consumer": env.settings.consumer.derive(
                        **{"instance_index": index, "instance_count": count}
                    )
                }
            )
            consumers.append(await open_deps(settings, stack, ("consumer",), create_metrics()))

        async def settled() -> bool:
            if not state.done:
                return False
            in_stream = await scalar(env, "SELECT count(*) FROM {schema}.tx_stream")
            decided = await scalar(env, "SELECT count(*) FROM {schema}.decisions")
            return bool(in_stream == len(sent) == decided)

        async with asyncio.TaskGroup() as tg:
            tg.create_task(producer.run(feed, producer_stop, state))
            tg.create_task(ingest.run(feed, stop))
            for deps in consumers:
                tg.create_task(consumer.run(deps, stop))
            assert await run_until(stack, settled, timeout_s=180), "records left undecided"
            producer_stop.set()
            stop.set()
    return Outcome(sent, [d.metrics for d in consumers], time.perf_counter() - started)


async def test_two_instances_split_four_shards_and_decide_every_record_once(
    local_stack: Any,
) -> None:
    env = await make_env(local_stack, shards=SHARDS, consumer={"poll_interval_s": 0.05})
    outcome = await run_instances(env, [(0, 2), (1, 2)], limit=3000, rate=1500)

    counts = await decision_counts(env)
    assert len(outcome.sent) == len(set(outcome.sent)) > 2500
    assert set(counts) == set(outcome.sent), "a record was lost or an unknown decision appeared"
    assert max(counts.values()) == 1, "a record was decided twice"
    # each instance decided exactly the records of the shards it owns, and both did work
    assert env.warehouse is not None  # opened by scalar() while waiting
    async with env.warehouse.acquire() as conn:
        rows = await conn.fetch(
            f"SELECT shard_id, count(*) FROM {env.schema}.decisions GROUP BY shard_id"
        )
        marks = await conn.fetch(
            f"SELECT shard_id FROM {env.schema}.consumer_watermarks WHERE consumer_group = %s",
            env.settings.consumer.group,
        )
    per_shard = {r[0]: int(r[1]) for r in rows}
    assert len(per_shard) == SHARDS and {m[0] for m in marks} == set(per_shard)
    for index, metrics in enumerate(outcome.metrics):
        owned = sum(n for s, n in per_shard.items() if consumer.owns(s, index, 2))
        assert decided_by(metrics) == owned > 0, f"instance {index} of 2"
    split = [int(decided_by(m)) for m in outcome.metrics]
    print(f"scale-out: {len(outcome.sent)} records split {split}, {outcome.seconds:.1f} s")


async def test_two_instances_owning_the_same_shards_still_decide_each_record_once(
    local_stack: Any,
) -> None:
    """Misconfiguration: both run as instance 0 of 1, so both read every shard."""
    env = await make_env(
        local_stack, shards=SHARDS, consumer={"poll_interval_s": 0.05, "batch_rows": 200}
    )
    with capture_logs() as logs:
        outcome = await run_instances(env, [(0, 1), (0, 1)], limit=2000, rate=1500)

    counts = await decision_counts(env)
    assert set(counts) == set(outcome.sent) and max(counts.values()) == 1
    conflicts = [
        e
        for e in logs
        if e["event"] == "consumer.step_failed" and e.get("error") == "WatermarkConflict"
    ]
    assert conflicts, "the two instances never overlapped: the test proved nothing"
    # the loser's whole batch was rolled back: nothing was quarantined as a "duplicate"
    assert await scalar(env, "SELECT count(*) FROM {schema}.dead_letters") == 0
    assert sum(decided_by(m) for m in outcome.metrics) == len(outcome.sent)
    print(f"overlap: {len(conflicts)} watermark conflicts rolled back, {outcome.seconds:.1f} s")
