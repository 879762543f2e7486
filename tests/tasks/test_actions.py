"""The actions role on the local stack (PostgreSQL, moto's SNS and SQS): card blocks applied,
alerts published once from the outbox, and what happens while SNS is unreachable.

The outbox is filled the product's way: swipes appended to the stream view and decided by the
consumer (rules alone: 2,500 blocks, 700 is reviewed). Alerts on both warehouse implementations
and under scale-out are tests/tasks/test_consumer.py and tests/warehouse/contract/test_loop.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fraudd.records import Swipe
from fraudd.scoring.engine import RulesEngine
from fraudd.tasks import actions, consumer
from fraudd.tasks.loop import Pass
from fraudd.warehouse.stream import StreamRecord
from tests.e2e.harness import read_alerts
from tests.reliability.faults import sns_unreachable
from tests.warehouse.contract.env import ContractEnv, open_contract_env
from tests.warehouse.contract.test_loop import BASE

pytestmark = pytest.mark.timeout(120)
SHARD = "shardId-000000000000"
BATCH = 3


@pytest.fixture
async def env(local_stack: Any) -> AsyncIterator[ContractEnv]:
    built = await open_contract_env(
        local_stack, "postgres", ("consumer", "actions"), shards=1,
        actions={"batch_alerts": BATCH}, consumer={"group": "actions"},
    )  # fmt: skip
    try:
        yield built
    finally:
        await built.stack.aclose()


async def decide(env: ContractEnv, amounts: list[float], first: int = 0) -> list[str]:
    """Decide one swipe per amount (card ``card-act-<n>``); return the alert ids (tx ids)."""
    now = datetime.now(UTC)
    records = []
    for n, amount in enumerate(amounts, start=first):
        data = Swipe(
            tx_id=f"act-{n}", tx_time=now, card_token=f"card-act-{n:04d}", last4="4242",
            customer_id=f"c{n}", terminal_id="term-1", amount=amount, produced_at=now,
        ).to_bytes()  # fmt: skip
        records.append(StreamRecord(SHARD, str(BASE + n), f"k{n}", now, data))
    await env.append(records)
    state, engine = consumer.ConsumerState(), RulesEngine(env.settings)
    while await consumer.step(env.deps, state, engine):
        pass
    return [f"act-{n}" for n, a in enumerate(amounts, start=first) if a >= 500]


async def pending_alerts(env: ContractEnv) -> list[Any]:
    return await env.rows(
        "SELECT alert_id FROM {schema}.alert_outbox WHERE published_at IS NULL ORDER BY 1"
    )


async def test_the_configured_topic_arn_is_used_without_a_call(env: ContractEnv) -> None:
    """(The by-name branch, CreateTopic, is the local stack's: deploy/aws/fraudd.yaml grants
    no sns:CreateTopic, and the session's permission check refuses such a call.)"""
    calls: list[str] = []
    env.deps.sns.meta.events.register(
        "before-call.sns", lambda **kw: calls.append(kw["model"].name)
    )
    assert await actions.resolve_topic(env.deps) == env.env.topic_arn
    assert calls == []


async def test_blocks_are_applied_and_each_alert_published_once(env: ContractEnv) -> None:
    alerts = await decide(env, [2500.0, 20.0, 700.0, 2600.0, 700.0, 15.0])
    topic = env.env.topic_arn
    passes = [await actions.step(env.deps, topic) for _ in range(3)]
    assert passes == [Pass.MORE, Pass.CAUGHT_UP, Pass.IDLE]  # 3 per batch, 4 alerts, then none
    assert await pending_alerts(env) == []
    assert read_alerts(env.env, max_empty_polls=1) == {a: 1 for a in alerts}
    blocks = await env.rows("SELECT card_token, tx_id, expires_at FROM {schema}.card_blocks")
    assert sorted((b.card_token, b.tx_id) for b in blocks) == [
        ("card-act-0000", "act-0"), ("card-act-0003", "act-3"),
    ]  # fmt: skip
    hours = env.settings.actions.block_hours
    assert all(b.expires_at > datetime.now(UTC) + timedelta(hours=hours - 1) for b in blocks)
    sample = env.deps.metrics.registry.get_sample_value
    assert sample("fraudd_alerts_published_total") == len(alerts)
    assert sample("fraudd_outbox_pending_alerts") == 0


async def test_while_sns_is_unreachable_blocks_still_apply_and_alerts_wait(
    env: ContractEnv,
) -> None:
    alerts = await decide(env, [2500.0, 700.0])
    hook = sns_unreachable(env.deps.sns)
    try:
        with pytest.raises(actions.PublishFailed):
            await actions.step(env.deps, env.env.topic_arn)
    finally:
        hook.remove()
    assert hook.counts["calls_refused"] >= 1
    blocks = await env.rows("SELECT card_token FROM {schema}.card_blocks")
    assert [b.card_token for b in blocks] == ["card-act-0000"]  # blocks never wait for SNS
    assert [r.alert_id for r in await pending_alerts(env)] == alerts
    sample = env.deps.metrics.registry.get_sample_value
    assert sample("fraudd_alert_publish_failures_total") == len(alerts)
    assert await actions.step(env.deps, env.env.topic_arn) == Pass.CAUGHT_UP
    assert await pending_alerts(env) == []
    assert read_alerts(env.env, max_empty_polls=1) == {a: 1 for a in alerts}
