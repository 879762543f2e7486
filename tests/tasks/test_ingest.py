"""The ingest role (the local stack's stand-in for Redshift streaming ingestion) against
kinesalite and PostgreSQL: every record appended once with its stream metadata, a restart
resumes after what the table holds, an expired iterator loses nothing, and child shards wait
for their parents (pure logic)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from fraudd.stream import Entry, Shard
from fraudd.tasks import ingest
from fraudd.tasks.ingest import IngestState, readable
from fraudd.tasks.loop import Pass
from tests.reliability.faults import get_records_faults
from tests.warehouse.contract.env import ContractEnv, open_contract_env

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
async def env(local_stack: Any) -> AsyncIterator[ContractEnv]:
    built = await open_contract_env(local_stack, "postgres", ("ingest",), shards=2)
    try:
        yield built
    finally:
        await built.stack.aclose()


async def put(env: ContractEnv, first: int, count: int) -> list[bytes]:
    assert env.deps.stream is not None
    payloads = [f'{{"n": {n}}}'.encode() for n in range(first, first + count)]
    await env.deps.stream.put([Entry(p, f"card-{n}") for n, p in enumerate(payloads, first)])
    return payloads


async def ingest_all(env: ContractEnv, state: IngestState) -> list[Pass]:
    """Steps until a pass finds nothing new."""
    passes = [await ingest.step(env.deps, state)]
    while passes[-1] != Pass.IDLE:
        assert len(passes) < 20
        passes.append(await ingest.step(env.deps, state))
    return passes


async def stored(env: ContractEnv) -> list[Any]:
    view = env.settings.warehouse.streaming_view
    return await env.rows(
        f"SELECT shard_id, sequence_number, partition_key, kinesis_data FROM {{schema}}.{view} "
        "ORDER BY shard_id, sequence_number"
    )


def ingested(env: ContractEnv) -> float:
    return env.deps.metrics.registry.get_sample_value("fraudd_records_ingested_total") or 0.0


async def test_every_record_is_appended_once_with_its_metadata(env: ContractEnv) -> None:
    sent = await put(env, 0, 40)
    passes = await ingest_all(env, IngestState())
    assert passes[0] == Pass.CAUGHT_UP and passes[-1] == Pass.IDLE
    rows = await stored(env)
    assert sorted(bytes(r.kinesis_data) for r in rows) == sorted(sent)
    assert {r.shard_id for r in rows} == {"shardId-000000000000", "shardId-000000000001"}
    assert {r.partition_key for r in rows} == {f"card-{n}" for n in range(40)}
    assert ingested(env) == 40
    assert env.deps.wakeups.consumer.full()  # the consumer is woken at once


async def test_a_restart_resumes_after_the_stored_records(env: ContractEnv) -> None:
    await put(env, 0, 10)
    await ingest_all(env, IngestState())
    restarted = IngestState()  # a new process: positions come from the table
    assert await ingest.step(env.deps, restarted) == Pass.IDLE
    assert ingested(env) == 10  # nothing read again
    assert set(restarted.positions) == {"shardId-000000000000", "shardId-000000000001"}
    later = await put(env, 10, 5)
    await ingest_all(env, restarted)
    assert ingested(env) == 15
    rows = await stored(env)
    assert len(rows) == 15 and set(later) <= {bytes(r.kinesis_data) for r in rows}


async def test_an_expired_iterator_is_replaced_from_the_stored_position(env: ContractEnv) -> None:
    await put(env, 0, 6)
    state = IngestState()
    await ingest_all(env, state)
    await put(env, 6, 6)
    assert env.deps.stream is not None
    hook = get_records_faults(env.deps.stream.client, 0.0, 1.0, seed=1)
    try:
        assert await ingest.step(env.deps, state) == Pass.IDLE
    finally:
        hook.remove()
    assert hook.counts["iterators_expired"] == 2 and state.iterators == {}
    await ingest_all(env, state)
    assert len(await stored(env)) == 12 and ingested(env) == 12


def test_child_shards_wait_for_their_parents() -> None:
    parent, other = Shard("p", (), closed=True), Shard("o", (), closed=False)
    child = Shard("c", ("p", "gone"), closed=False)  # "gone": trimmed, no longer listed
    state = IngestState(shards=[parent, other, child])
    assert [s.shard_id for s in readable(state)] == ["p", "o"]
    state.finished.add("p")
    assert [s.shard_id for s in readable(state)] == ["o", "c"]
