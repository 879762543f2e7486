"""The producer (the card application) against kinesalite and PostgreSQL: what is due goes to
the stream at once, blocked cards are declined at the till, labels wait for their delay, and
records Kinesis refuses stay pending and go first next time (invariant 3). The producer over
minutes of live traffic is tests/e2e; a release reaching it, tests/console/test_release_e2e.py.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fraudd.columns import DEFAULT_CURRENCY
from fraudd.deps import open_deps
from fraudd.history.synthetic import simulate_into_warehouse
from fraudd.localstack import aws as local_aws
from fraudd.simulator.cards import card_token
from fraudd.sources.base import Draft
from fraudd.sources.cards import CardRegister
from fraudd.sources.live import LiveSource
from fraudd.sources.simple import SimpleSource
from fraudd.stream import Entry, PutIncomplete
from fraudd.tasks import producer
from fraudd.tasks.labels import LabelQueue
from fraudd.tasks.loop import Pass
from tests.history.conftest import SMALL, HistoryDb
from tests.reliability.faults import put_records_faults
from tests.warehouse.contract.env import ContractEnv, open_contract_env

pytestmark = pytest.mark.timeout(120)
OPEN, BLOCKED = "tok_card_open1", "tok_card_blocked"
START = datetime(2026, 3, 1, tzinfo=UTC)
LIMIT = 10


class TwoCards:
    """Swipes alternating between an open and a blocked card; every third one fraud."""

    def __init__(self) -> None:
        self.n = 0

    def take(self, n: int) -> list[Draft]:
        out = [self._draft(self.n + i) for i in range(n)]
        self.n += n
        return out

    def _draft(self, i: int) -> Draft:
        card = (OPEN, BLOCKED)[i % 2]
        fraud = i % 3 == 0
        return Draft(f"prod-{i:04d}", START + timedelta(seconds=i), card, "4242", f"c{i % 2}",
                     "t1", 12.5 + i, "5411", "pos", 1.0, 2.0, fraud, 2 if fraud else 0)  # fmt: skip

    def clock(self) -> datetime:
        return START + timedelta(seconds=max(self.n - 1, 0))


def test_the_wire_record_carries_no_ground_truth() -> None:
    draft = TwoCards().take(1)[0]
    produced = datetime.now(UTC)
    swipe = producer.to_swipe(draft, produced)
    data = json.loads(swipe.to_bytes())
    assert "is_fraud" not in data and "fraud_scenario" not in data
    assert (swipe.tx_id, swipe.card_token, swipe.amount) == ("prod-0000", OPEN, 12.5)
    assert (swipe.currency, swipe.schema_version, swipe.produced_at) == (
        DEFAULT_CURRENCY, 1, produced,
    )  # fmt: skip


def test_the_wire_record_carries_the_drafts_currency() -> None:
    draft = replace(TwoCards().take(1)[0], currency="GBP")
    assert producer.to_swipe(draft, datetime.now(UTC)).currency == "GBP"


@pytest.fixture
async def env(local_stack: Any) -> AsyncIterator[ContractEnv]:
    built = await open_contract_env(
        local_stack, "postgres", ("producer",), shards=1, kinesis={"put_max_attempts": 1}
    )
    try:
        yield built
    finally:
        await built.stack.aclose()


def state_of(sent: list[Entry]) -> producer.ProducerState:
    """A producer whose first ``LIMIT`` swipes are all due now."""
    state = producer.ProducerState(
        TwoCards(), 100.0, producer.BlockCache(3600), LabelQueue(7), limit=LIMIT,
        on_sent=sent.extend,
    )  # fmt: skip
    state.started = time.monotonic() - 3600
    return state


async def block(env: ContractEnv, card: str) -> None:
    async with env.deps.warehouse.session() as s, s.transaction():
        await s.set_block(card, "tx-0", "fraudd decision", datetime.now(UTC) + timedelta(hours=1))


async def in_stream(env: ContractEnv) -> list[dict[str, Any]]:
    """The stream's records, read as a test (not with the producer's client: its role may not
    read the stream, and the session's permission check holds it to that)."""
    settings = env.settings
    kinesis = local_aws.client("kinesis", settings, settings.endpoint("kinesis") or "")
    name = settings.kinesis.stream_name
    (shard,) = kinesis.list_shards(StreamName=name)["Shards"]
    iterator = kinesis.get_shard_iterator(
        StreamName=name, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = kinesis.get_records(ShardIterator=iterator, Limit=1000)["Records"]
    return [json.loads(r["Data"]) for r in records]


async def test_due_swipes_go_out_and_blocked_cards_are_declined(env: ContractEnv) -> None:
    await block(env, BLOCKED)
    sent: list[Entry] = []
    state = state_of(sent)
    before = datetime.now(UTC)
    assert await producer.step(env.deps, state) == Pass.MORE
    records = await in_stream(env)
    assert [r["tx_id"] for r in records] == [f"prod-{i:04d}" for i in range(0, LIMIT, 2)]
    assert {r["card_token"] for r in records} == {OPEN} and len(sent) == len(records)
    assert all(
        before - timedelta(hours=2) <= datetime.fromisoformat(r["produced_at"]) <= datetime.now(UTC)
        for r in records
    )  # stamped with when each was due, never later than now
    assert state.taken == LIMIT and state.done
    assert len(state.labels.heap) == LIMIT  # declined swipes get their label too
    sample = env.deps.metrics.registry.get_sample_value
    declined = {f: sample("fraudd_swipes_declined_total", {"fraud": f}) for f in ("true", "false")}
    assert declined == {"true": 2, "false": 3}  # prod-0001 .. prod-0009, every third fraud
    assert await producer.step(env.deps, state) == Pass.IDLE


async def test_a_blocked_simulated_card_is_reissued_and_its_old_token_declines(
    env: ContractEnv,
) -> None:
    """A cardholder whose card is blocked swipes again with a new card once the delay has passed
    (simulated time: 3 customers, a swipe every 4 simulated hours): weeks of genuine spending
    are not declined for one block."""
    seed, limit = 5, 60
    old, new = card_token(seed, 0), card_token(seed, 0, 1)
    await block(env, old)
    sent: list[Entry] = []
    state = producer.ProducerState(
        SimpleSource(3, 10, seed, START), 100.0, producer.BlockCache(3600), LabelQueue(7),
        cards=CardRegister(seed, timedelta(days=1)), limit=limit, on_sent=sent.extend,
    )  # fmt: skip
    state.started = time.monotonic() - 3600
    await producer.step(env.deps, state)
    records = [r for r in await in_stream(env) if r["customer_id"] == "0"]
    assert records and {r["card_token"] for r in records} == {new}
    first_new = min(datetime.fromisoformat(r["tx_time"]) for r in records)
    sample = env.deps.metrics.registry.get_sample_value
    assert sample("fraudd_cards_reissued_total") == 1
    declined = sum(
        sample("fraudd_swipes_declined_total", {"fraud": f}) or 0 for f in ("true", "false")
    )
    assert 1 <= declined <= 1 + 6  # the first decline, and the day until the card arrives
    assert first_new - START >= timedelta(days=1)
    assert len(await in_stream(env)) == limit - declined


async def test_the_block_list_is_reread_only_after_its_ttl(env: ContractEnv) -> None:
    cache = producer.BlockCache(ttl_s=3600)
    assert await cache.current(env.deps) == frozenset()
    await block(env, BLOCKED)
    assert await cache.current(env.deps) == frozenset()  # cached
    cache.loaded_at = float("-inf")  # the TTL has passed
    assert await cache.current(env.deps) == {BLOCKED}


async def test_refused_records_stay_pending_and_are_sent_first(env: ContractEnv) -> None:
    assert env.deps.stream is not None
    sent: list[Entry] = []
    state = state_of(sent)
    hook = put_records_faults(env.deps.stream.client, 0.5, 4, 10**6, 10**6)
    try:
        with pytest.raises(PutIncomplete):
            await producer.step(env.deps, state)
    finally:
        hook.remove()
    refused = hook.counts["entries_failed"]
    assert 0 < refused < LIMIT and len(state.pending) == refused
    assert len(sent) == LIMIT - refused  # on_sent saw only what Kinesis accepted
    assert await producer.step(env.deps, state) == Pass.IDLE  # nothing new is due
    assert state.pending == [] and state.done
    ids = sorted(r["tx_id"] for r in await in_stream(env))
    assert ids == [f"prod-{i:04d}" for i in range(LIMIT)]  # every swipe once, none lost


async def test_the_producer_uses_live_mode_when_a_simulation_is_stored(
    history_db: HistoryDb,
) -> None:
    async with AsyncExitStack() as stack:
        deps = await open_deps(history_db.settings, stack, ())
        before = await producer.default_state(deps)
        await simulate_into_warehouse(history_db.wh, history_db.settings, SMALL, 2)
        after = await producer.default_state(deps)
    assert isinstance(before.source, SimpleSource)
    assert isinstance(after.source, LiveSource) and after.source.clock() == SMALL.day_start(2)
    assert after.rate_tps == history_db.settings.producer.rate_tps
