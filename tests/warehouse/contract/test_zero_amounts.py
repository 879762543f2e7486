"""$0 swipes on the wire (account verification, card-testing probes) are decided like any other,
on each implementation: stored, featured (a card whose history is all $0 divides by nothing) and
scored, never dead-lettered."""

from __future__ import annotations

import asyncio
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fraudd.records import Swipe
from fraudd.tasks import consumer
from fraudd.warehouse.api.stream import StreamRecord
from tests.warehouse.contract.env import ContractEnv, open_contract_env
from tests.warehouse.contract.test_loop import BASE, _until_decided

pytestmark = pytest.mark.timeout(240)


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
