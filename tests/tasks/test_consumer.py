"""The consumer (with the actions task where alerts matter) against a real warehouse.

- On the Redshift implementation, in the contract suite's Redshift environment
  (tests/warehouse/contract/env.py: unenforced keys, Redshift's view types, SNAPSHOT sessions):
  what only the Redshift form needs proving beyond the contract tests.
- On each implementation: $0 swipes on the wire (account verification, card-testing probes) are
  decided like any other: stored, featured (a card whose history is all $0 divides by nothing)
  and scored, never dead-lettered.

The whole loop with scale-out, resharding and overlap is tests/warehouse/contract/test_loop.py.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fraudd.records import Swipe
from fraudd.scoring.engine import build_engine
from fraudd.tasks import actions, consumer
from fraudd.warehouse import WatermarkConflict
from fraudd.warehouse.stream import StreamRecord
from tests.e2e.harness import read_alerts
from tests.warehouse.contract.env import ContractEnv, open_contract_env
from tests.warehouse.contract.test_loop import BASE, _until_decided

pytestmark = pytest.mark.timeout(120)

SHARD_A, SHARD_B = "shardId-000000000000", "shardId-000000000001"
# Shard A crosses from 2 to 3 digits: as strings "100" < "95", as (length, string) it is not.
SEQ_A = [str(n) for n in range(95, 108)]
SEQ_B = [str(49590338271490256608559692538361571095921575989136588898 + 7 * n) for n in range(12)]


@pytest.fixture
async def rs(local_stack: Any) -> AsyncIterator[ContractEnv]:
    env = await open_contract_env(
        local_stack, "redshift-snapshot", ("consumer", "actions"), shards=1,
        consumer={"group": "rs", "batch_rows": 8},
    )  # fmt: skip
    try:
        yield env
    finally:
        await env.stack.aclose()


def swipe(tx_id: str, amount: float, card: str = "card-abc-001") -> bytes:
    now = datetime.now(UTC)
    return Swipe(
        tx_id=tx_id,
        tx_time=now,
        card_token=card,
        last4="4242",
        customer_id=f"cust-{card}",
        terminal_id="term-1",
        amount=amount,
        produced_at=now,
    ).to_bytes()


async def append(rs: ContractEnv, shard: str, records: list[tuple[str, bytes]]) -> None:
    now = datetime.now(UTC)
    await rs.append([StreamRecord(shard, seq, "pk", now, data) for seq, data in records])


async def drain(rs: ContractEnv, state: consumer.ConsumerState) -> int:
    engine, batches = build_engine(rs.settings), 0
    while await consumer.step(rs.deps, state, engine):
        batches += 1
        assert batches < 50
    return batches


def wave(first: int, last: int) -> tuple[list[tuple[str, bytes]], list[tuple[str, bytes]]]:
    """Records first..last-1 of each shard: A's tx a<i>, B's tx b<i>; a few review/block."""

    def amount(i: int) -> float:
        return 2500.0 if i % 5 == 0 else 700.0 if i % 5 == 1 else 20.0 + i

    a = [
        (SEQ_A[i], swipe(f"a{i}", amount(i), "card-blocked-1" if i % 5 == 0 else f"card-a{i:04d}"))
        for i in range(first, last)
    ]
    b = [(SEQ_B[i], swipe(f"b{i}", amount(i), f"card-b{i:04d}")) for i in range(first, last)]
    return a, b


async def _second_wave_reusing_a_tx_id(rs: ContractEnv, state: consumer.ConsumerState) -> None:
    """Records 7..11 of each shard, A's each one sequence number on behind a reused tx_id at
    SEQ_A[7]; then the actions task until it has nothing left to do."""
    a, b = wave(7, 12)
    reused = (SEQ_A[7], swipe("a3", 5.0))  # a reused tx_id is quarantined, never re-decided
    await append(
        rs,
        SHARD_A,
        [reused, *[(SEQ_A[i + 1], data) for i, (_, data) in zip(range(7, 12), a, strict=True)]],
    )
    await append(rs, SHARD_B, b)
    await drain(rs, state)
    while await actions.step(rs.deps, rs.env.topic_arn):
        pass


async def _assert_every_record_decided_once_or_dead_lettered(rs: ContractEnv) -> None:
    decided = await rs.rows(
        "SELECT tx_id, shard_id, sequence_number, reasons FROM {schema}.decisions"
    )
    expected = {f"{s}{i}" for s in "ab" for i in range(12) if i != 6}
    assert sorted(r.tx_id for r in decided) == sorted(expected), "lost or doubled decisions"
    by_tx = {r.tx_id: r for r in decided}
    assert by_tx["a10"].sequence_number == SEQ_A[11] and by_tx["b9"].sequence_number == SEQ_B[9]
    assert all(isinstance(r.reasons, list) for r in decided)  # JSON_PARSE'd, not a string
    dead = await rs.rows("SELECT reason, sequence_number FROM {schema}.dead_letters ORDER BY 1")
    assert [(d.reason, d.sequence_number) for d in dead] == [
        ("duplicate_tx_id", SEQ_A[7]),
        ("not_json", SEQ_A[6]),
    ]
    marks = await rs.rows("SELECT shard_id, sequence_number FROM {schema}.consumer_watermarks")
    assert {m.shard_id: m.sequence_number for m in marks} == {
        SHARD_A: SEQ_A[12],
        SHARD_B: SEQ_B[11],
    }


def _assert_the_daemon_sent_no_postgresql_only_statements(rs: ContractEnv) -> None:
    sent = [
        sql
        for sql in rs.mode.shim.statements  # type: ignore[union-attr]  # the daemon's, as sent
        if "velocity" not in sql.lower() and "make_interval" not in sql
    ]  # engine.py's own
    assert any("tx_time BETWEEN" in sql and "transactions" in sql for sql in sent)
    postgres_only = re.compile(r"unnest|ON CONFLICT|RETURNING|= ANY|FOR UPDATE")
    assert not [sql for sql in sent if postgres_only.search(sql)]


async def _assert_the_alerts_were_published_once(rs: ContractEnv, first_block: list[Any]) -> None:
    """Every alert published once; the card blocked twice keeps one row, the later expiry."""
    outbox = await rs.rows("SELECT alert_id, payload, published_at FROM {schema}.alert_outbox")
    alerts = {r.alert_id for r in outbox}
    assert alerts and all(r.published_at is not None for r in outbox)
    assert all(r.payload["card_last4"] == "4242" for r in outbox)
    assert set(read_alerts(rs.env)) == alerts
    blocks = await rs.rows("SELECT card_token, tx_id, expires_at FROM {schema}.card_blocks")
    blocked_card = [b for b in blocks if b.card_token == "card-blocked-1"]
    assert len(blocked_card) == 1 and blocked_card[0].tx_id == "a10"
    assert blocked_card[0].expires_at >= first_block[0].expires_at
    assert first_block[0].expires_at > datetime.now(UTC) + timedelta(days=29)


async def test_consumer_decides_every_record_once_with_the_redshift_statements(
    rs: ContractEnv,
) -> None:
    state = consumer.ConsumerState()
    a, b = wave(0, 6)
    a.append((SEQ_A[6], b"not json at all"))
    await append(rs, SHARD_A, a)
    await append(rs, SHARD_B, b)
    assert await drain(rs, state) >= 2  # 8 rows per batch: the first wave takes two batches
    assert await actions.step(rs.deps, rs.env.topic_arn)
    first_block = await rs.rows("SELECT tx_id, expires_at FROM {schema}.card_blocks")
    await _second_wave_reusing_a_tx_id(rs, state)
    await _assert_every_record_decided_once_or_dead_lettered(rs)
    _assert_the_daemon_sent_no_postgresql_only_statements(rs)
    await _assert_the_alerts_were_published_once(rs, first_block)


async def test_an_overlapping_consumer_is_refused_by_the_optimistic_watermark(
    rs: ContractEnv,
) -> None:
    a, b = wave(0, 3)
    await append(rs, SHARD_A, a)
    await append(rs, SHARD_B, b)
    engine = build_engine(rs.settings)
    late = consumer.ConsumerState()
    async with rs.deps.warehouse.session() as session:
        await consumer._refresh(rs.deps, session, late)
        batch = await consumer._read(rs.deps, session, late)
    assert len(batch.rows) == 6
    await drain(rs, consumer.ConsumerState())  # another instance decides the same rows first
    async with rs.deps.warehouse.session() as session:
        with pytest.raises(WatermarkConflict):
            async with session.transaction():
                await consumer._decide(rs.deps, session, batch, engine)
    decided = await rs.rows("SELECT tx_id FROM {schema}.decisions")
    assert sorted(r.tx_id for r in decided) == ["a0", "a1", "a2", "b0", "b1", "b2"]
    assert await rs.rows("SELECT * FROM {schema}.dead_letters") == []  # rolled back with it


# ------------------------------------------------------------- snapshot isolation, no keys


MEETING_S = 60.0


class MeetAtDecide:
    """A warehouse whose sessions wait at ``begin_decide`` until two have got there: both
    consumers have read the same records before either takes the decide lock, as two instances
    that briefly own the same new shard do. Waiting instead, while scoring, until "the other
    scores too or waits for a lock" flaked (about 1 run in 4): the other could be waiting for
    that lock before its read, then read the advanced watermark and find nothing to decide.
    MEETING_S only bounds a broken run."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.barrier = asyncio.Barrier(2)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[Any]:
        async with self.inner.session() as session:
            yield _MeetingSession(session, self.barrier)


class _MeetingSession:
    def __init__(self, inner: Any, barrier: asyncio.Barrier) -> None:
        self.inner = inner
        self.barrier = barrier

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def begin_decide(self) -> None:
        async with asyncio.timeout(MEETING_S):
            await self.barrier.wait()
        await self.inner.begin_decide()


async def test_two_consumers_on_a_new_shard_decide_each_record_once_under_snapshot(
    rs: ContractEnv,
) -> None:
    """Invariant 1 where Redshift enforces no key and SNAPSHOT allows write-skew inserts: two
    instances that briefly own the same new shard (a child shard after resharding) both read
    it from the start. Exactly one commits; the other rolls back whole."""
    a, _ = wave(0, 4)
    await append(rs, SHARD_A, a)
    deps = replace(rs.deps, warehouse=MeetAtDecide(rs.deps.warehouse))
    engine = build_engine(rs.settings)
    states = [consumer.ConsumerState(), consumer.ConsumerState()]
    results = await asyncio.gather(
        *(consumer.step(deps, state, engine) for state in states), return_exceptions=True
    )
    decided = await rs.rows("SELECT tx_id, count(*) AS n FROM {schema}.decisions GROUP BY tx_id")
    assert sorted((r.tx_id, r.n) for r in decided) == [(f"a{i}", 1) for i in range(4)]
    assert [type(r).__name__ for r in results].count("WatermarkConflict") == 1, results
    marks = await rs.rows("SELECT sequence_number FROM {schema}.consumer_watermarks")
    assert [m.sequence_number for m in marks] == [SEQ_A[3]]
    stored = await rs.rows("SELECT count(*) AS n FROM {schema}.transactions")
    assert stored[0].n == 4
    assert await rs.rows("SELECT * FROM {schema}.dead_letters") == []


@pytest.fixture
async def zero_env(warehouse_implementation: str, local_stack: Any) -> Any:
    env = await open_contract_env(
        local_stack, warehouse_implementation, ("consumer",), consumer={"poll_interval_s": 0.05}
    )
    try:
        yield env
    finally:
        await env.stack.aclose()


def _record(n: int, amount: float, card: str) -> StreamRecord:
    when = datetime.now(UTC) - timedelta(minutes=30 - n)
    data = Swipe(
        tx_id=f"z-{n:03d}", tx_time=when, card_token=card, last4="4242", customer_id=card,
        terminal_id="term-1", amount=amount, produced_at=when,
    ).to_bytes()  # fmt: skip
    return StreamRecord("shardId-000000000000", str(BASE + n), card, datetime.now(UTC), data)


@pytest.mark.timeout(240)
async def test_zero_amount_swipes_are_decided_not_dead_lettered(zero_env: ContractEnv) -> None:
    env = zero_env
    probes = [_record(n, 0.0, "card-probe0001") for n in range(6)]  # history all $0
    mixed = [_record(10 + n, amount, "card-mixed0001") for n, amount in enumerate((0, 12.5, 0))]
    await env.append(probes + mixed)
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(env.deps, stop))
    try:
        decided = await _until_decided(env, len(probes) + len(mixed), 60)
    finally:
        stop.set()
        with suppress(Exception):
            await asyncio.wait_for(task, 20)
    assert decided == len(probes) + len(mixed)
    assert await env.rows("SELECT * FROM {schema}.dead_letters") == []
    rows = await env.rows("SELECT tx_id, amount, score FROM {schema}.decisions ORDER BY tx_id")
    zero = [r for r in rows if float(r.amount) == 0.0]
    assert len(zero) == 8 and all(0.0 <= float(r.score) <= 1.0 for r in rows)
