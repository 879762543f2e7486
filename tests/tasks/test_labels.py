"""Delayed labels: kept until their (simulated) delay has passed, then written to the labels
table on PostgreSQL; a failed write keeps them for the next try."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fraudd.sources.base import Draft
from fraudd.tasks.labels import LabelQueue
from tests.warehouse.contract.env import ContractEnv, open_contract_env

pytestmark = pytest.mark.timeout(120)
T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


def draft(n: int, minutes: int, fraud: bool | None, scenario: int | None = None) -> Draft:
    return Draft(f"lbl-{n}", T0 + timedelta(minutes=minutes), "tok_card_0001", "4242", "c",
                 "t", 10.0, "5411", "pos", 1.0, 2.0, fraud, scenario)  # fmt: skip


def test_labels_wait_in_due_order_and_unknown_truth_is_not_queued() -> None:
    queue = LabelQueue(delay_days=2)
    for d in (draft(1, 30, False), draft(2, 10, True, 3), draft(3, 20, None)):
        queue.add(d)
    assert [item[1] for item in sorted(queue.heap)] == ["lbl-2", "lbl-1"]
    due, tx_id, fraud, scenario = queue.heap[0]
    assert (due, tx_id, fraud, scenario) == (T0 + timedelta(days=2, minutes=10), "lbl-2", True, 3)


@pytest.fixture
async def env(local_stack: Any) -> AsyncIterator[ContractEnv]:
    built = await open_contract_env(local_stack, "postgres", ("producer",), shards=1)
    try:
        yield built
    finally:
        await built.stack.aclose()


async def stored(env: ContractEnv) -> list[tuple[Any, ...]]:
    rows = await env.rows(
        "SELECT tx_id, is_fraud, labelled_at, fraud_scenario, source FROM {schema}.labels "
        "ORDER BY tx_id"
    )
    return [tuple(r) for r in rows]


async def test_flush_writes_only_the_labels_due_by_the_simulated_time(env: ContractEnv) -> None:
    queue = LabelQueue(delay_days=1)
    for d in (draft(1, 0, True, 2), draft(2, 60, False), draft(3, 120, True, 1)):
        queue.add(d)
    assert await queue.flush(env.deps, T0 + timedelta(hours=23)) == 0
    assert await queue.flush(env.deps, T0 + timedelta(days=1, hours=1)) == 2
    assert await stored(env) == [
        ("lbl-1", True, T0 + timedelta(days=1), 2, "live"),
        ("lbl-2", False, T0 + timedelta(days=1, hours=1), 0, "live"),  # genuine: scenario 0
    ]
    assert [item[1] for item in queue.heap] == ["lbl-3"]
    sample = env.deps.metrics.registry.get_sample_value
    assert sample("fraudd_labels_written_total") == 2


async def test_a_failed_write_keeps_every_label_for_the_next_try(env: ContractEnv) -> None:
    queue = LabelQueue(delay_days=0)
    for n in range(3):
        queue.add(draft(n, n, n == 1, 3 if n == 1 else None))
    await env.as_owner(f"ALTER TABLE {env.schema}.labels RENAME TO labels_away")
    try:
        with pytest.raises(Exception, match="labels"):
            await queue.flush(env.deps, T0 + timedelta(days=1))
    finally:
        await env.as_owner(f"ALTER TABLE {env.schema}.labels_away RENAME TO labels")
    assert len(queue.heap) == 3
    assert await queue.flush(env.deps, T0 + timedelta(days=1)) == 3
    assert [r[0] for r in await stored(env)] == ["lbl-0", "lbl-1", "lbl-2"]
    assert queue.heap == []
