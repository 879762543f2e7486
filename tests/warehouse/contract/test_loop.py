"""The whole loop on each implementation: consumers that scale out, reshard and overlap.

Two consumer instances (0 of 2, 1 of 2) read four shards; mid-run two shards close and two child
shards appear (resharding), and for a while a third instance believes it is instance 0 too (a
rolling restart: two processes own the same shards). Invariant 1 must hold throughout: every
record exactly one decision, no shard stalls, every alert published with its stable id.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

import pytest

from fraudd.deps import Deps, Wakeups
from fraudd.records import Swipe
from fraudd.tasks import actions, consumer
from fraudd.warehouse.stream import StreamRecord
from tests.e2e.harness import read_alerts
from tests.warehouse.contract.env import ContractEnv, open_contract_env

pytestmark = pytest.mark.timeout(240)
PARENTS = [f"shardId-00000000000{i}" for i in range(4)]
CHILDREN = ["shardId-000000000004", "shardId-000000000005"]
BASE = 49590338271490256608559692538361571095921575989136588898


def _swipe(tx_id: str, i: int) -> bytes:
    now = datetime.now(UTC)
    amount = 3000.0 if i % 7 == 0 else 25.0 + i % 50  # some alerts and blocks
    return Swipe(
        tx_id=tx_id, tx_time=now, card_token=f"card-{i % 40:06d}", last4="4242",
        customer_id=f"cust-{i % 40}", terminal_id=f"term-{i % 9}", amount=amount, produced_at=now,
    ).to_bytes()  # fmt: skip


class Writer:
    """Appends waves of records, each shard's sequence numbers increasing (as Kinesis does)."""

    def __init__(self, env: ContractEnv) -> None:
        self.env = env
        self.next_seq: Counter[str] = Counter()
        self.sent: list[str] = []

    async def wave(self, shards: list[str], per_shard: int) -> None:
        records = []
        for shard in shards:
            for _ in range(per_shard):
                self.next_seq[shard] += 3
                tx_id = f"tx-{len(self.sent):05d}"
                self.sent.append(tx_id)
                seq = str(BASE + self.next_seq[shard])
                records.append(
                    StreamRecord(
                        shard, seq, tx_id, datetime.now(UTC), _swipe(tx_id, len(self.sent))
                    )
                )
        await self.env.append(records)


def _instance(deps: Deps, index: int, count: int) -> Deps:
    c = deps.settings.consumer.derive(**{"instance_index": index, "instance_count": count})
    settings = deps.settings.derive(**{"consumer": c})
    return dataclasses.replace(deps, settings=settings, wakeups=Wakeups())


async def _until_published(env: ContractEnv, timeout_s: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while loop.time() < deadline:
        sql = "SELECT count(*) AS n FROM {schema}.alert_outbox WHERE published_at IS NULL"
        if (await env.rows(sql))[0].n == 0:
            return
        await asyncio.sleep(0.3)


async def _until_decided(env: ContractEnv, total: int, timeout_s: float) -> int:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    n = 0
    while loop.time() < deadline:
        n = (await env.rows("SELECT count(*) AS n FROM {schema}.decisions"))[0].n
        if n >= total:
            return int(n)
        await asyncio.sleep(0.3)
    return int(n)


@pytest.fixture
async def loop_env(warehouse_implementation: str, local_stack: Any) -> Any:
    env = await open_contract_env(
        local_stack, warehouse_implementation, ("consumer", "actions"),
        consumer={"batch_rows": 24, "poll_interval_s": 0.05},
        actions={"poll_interval_s": 0.1},
    )  # fmt: skip
    try:
        yield env
    finally:
        await env.stack.aclose()


async def _waves_through_an_overlap_and_a_reshard(
    env: ContractEnv, writer: Writer, overlap_stop: asyncio.Event
) -> int:
    """Write the waves while a third consumer overlaps instance 0 for a while; wait for every
    record's decision and every alert's publication; return the decisions counted."""
    await writer.wave(PARENTS, 30)
    overlap = asyncio.create_task(consumer.run(_instance(env.deps, 0, 2), overlap_stop))
    for _ in range(3):
        await writer.wave(PARENTS, 10)
        await asyncio.sleep(0.2)
    await writer.wave(CHILDREN, 20)  # resharding: the parents are closed from here on
    await asyncio.sleep(0.5)
    overlap_stop.set()
    await overlap
    await writer.wave(CHILDREN, 20)
    decided = await _until_decided(env, len(writer.sent), 120)
    await _until_published(env, 30)
    return decided


async def _assert_one_decision_a_record_and_no_shard_stalled(
    env: ContractEnv, writer: Writer
) -> None:
    rows = await env.rows("SELECT tx_id, count(*) AS n FROM {schema}.decisions GROUP BY tx_id")
    assert {r.tx_id: r.n for r in rows} == dict.fromkeys(writer.sent, 1)
    assert await env.rows("SELECT * FROM {schema}.dead_letters") == []
    marks = await env.rows("SELECT shard_id, sequence_number FROM {schema}.consumer_watermarks")
    heads = {s.strip(): str(BASE + n) for s, n in writer.next_seq.items()}
    assert {m.shard_id.strip(): str(m.sequence_number) for m in marks} == heads  # none stalled


async def _assert_every_alert_published_by_its_stable_id(env: ContractEnv) -> None:
    outbox = await env.rows("SELECT alert_id, published_at FROM {schema}.alert_outbox")
    assert outbox and all(r.published_at is not None for r in outbox)
    received = read_alerts(env.env)
    assert set(received) == {r.alert_id for r in outbox}  # at least once, by stable id


async def test_scale_out_reshard_and_overlap_decide_every_record_exactly_once(
    loop_env: ContractEnv,
) -> None:
    env, writer = loop_env, Writer(loop_env)
    stop, overlap_stop = asyncio.Event(), asyncio.Event()
    deps = env.deps
    tasks = [
        asyncio.create_task(consumer.run(_instance(deps, 0, 2), stop)),
        asyncio.create_task(consumer.run(_instance(deps, 1, 2), stop)),
        asyncio.create_task(actions.run(deps, stop)),
    ]
    try:
        decided = await _waves_through_an_overlap_and_a_reshard(env, writer, overlap_stop)
    finally:
        stop.set()
        overlap_stop.set()
        for task in tasks:
            with suppress(Exception):
                await asyncio.wait_for(task, 20)
    assert decided == len(writer.sent)
    await _assert_one_decision_a_record_and_no_shard_stalled(env, writer)
    await _assert_every_alert_published_by_its_stable_id(env)
