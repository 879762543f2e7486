"""The whole loop on the local stack: every record sent gets exactly one decision, and every
alert-worthy decision reaches the SQS subscriber of the topic."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import Any

import pytest

from fraudd.deps import Deps, open_deps
from fraudd.metrics import create_metrics
from fraudd.service.daemon import run_tasks
from fraudd.sources.simple import SimpleSource
from fraudd.tasks import producer
from tests.e2e.harness import (
    Env,
    decision_counts,
    make_env,
    read_alerts,
    recording_producer,
    run_until,
    scalar,
)

pytestmark = pytest.mark.timeout(240)


async def run_loop(
    env: Env, limit: int, rate: float, make_state: Any = None
) -> tuple[list[str], Any]:
    """Run producer, ingest, consumer and actions until ``limit`` swipes are all decided.

    ``make_state(deps, sent)`` may supply the producer (default: the simple generator)."""
    sent: list[str] = []
    stop, producer_stop = asyncio.Event(), asyncio.Event()
    metrics = create_metrics()
    async with AsyncExitStack() as stack:
        deps = await open_deps(
            env.settings, stack, ("producer", "ingest", "consumer", "actions"), metrics
        )
        if make_state is None:
            source = SimpleSource(2000, 5000, seed=7, start=datetime.now(UTC), fraud_share=0.05)
            state = recording_producer(env, source, rate, limit, sent, block_ttl_s=0.2)
        else:
            state = await make_state(deps, sent)

        async def produce(d: Deps, _s: asyncio.Event) -> None:
            await producer.run(d, producer_stop, state)

        async def steer(d: Deps, s: asyncio.Event) -> None:
            await run_until(stack, lambda: _all_settled(env, state, sent), timeout_s=180)
            producer_stop.set()
            s.set()

        await run_tasks(
            deps, stop, ("ingest", "consumer", "actions"), {"producer": produce, "steer": steer}
        )
    return sent, metrics


async def _all_settled(env: Env, state: producer.ProducerState, sent: list[str]) -> bool:
    """The producer is done, every sent record is in the view, decided, and alerts published."""
    if not state.done:
        return False
    in_stream = await scalar(env, "SELECT count(*) FROM {schema}.tx_stream")
    decided = await scalar(env, "SELECT count(*) FROM {schema}.decisions")
    unpublished = await scalar(
        env, "SELECT count(*) FROM {schema}.alert_outbox WHERE published_at IS NULL"
    )
    return bool(in_stream == len(sent) == decided and unpublished == 0)


async def test_every_record_decided_exactly_once_with_three_shards(local_stack: Any) -> None:
    env = await make_env(local_stack, shards=3)
    sent, metrics = await run_loop(env, limit=3000, rate=1500)
    counts = await decision_counts(env)
    assert len(sent) == len(set(sent)) > 2500  # a few swipes are declined at the till
    assert set(counts) == set(sent), "a record was lost or an unknown decision appeared"
    assert max(counts.values()) == 1, "a record was decided twice"
    shards = await scalar(env, "SELECT count(DISTINCT shard_id) FROM {schema}.decisions")
    assert shards == 3
    alert_ids = await scalar(
        env, "SELECT array_agg(tx_id) FROM {schema}.decisions WHERE decision <> 'approve'"
    )
    received = read_alerts(env)
    assert alert_ids and set(received) == set(alert_ids)
    assert (
        metrics.registry.get_sample_value("fraudd_records_decided_total", {"decision": "approve"})
        > 0
    )
