"""The actions area (fraudd/warehouse/{api,postgres,redshift,shared}/actions.py) on each
implementation: card blocks from decisions, the alert outbox's claims and marks, and the
producer's lookup of blocks in force."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fraudd.warehouse import WarehouseError
from fraudd.warehouse.actions import PendingBlock
from fraudd.warehouse.stream import Decided, DecidedBatch
from tests.warehouse.contract.env import SHARD_A, ContractEnv, record, swipe


async def test_blocks_keep_the_later_expiry_and_alerts_are_marked(contract: ContractEnv) -> None:
    async with contract.deps.warehouse.session() as s:
        async with s.transaction():
            await s.store_transactions([swipe("t1"), swipe("t2")])
            recs = [record(SHARD_A, n, b"x") for n in range(2)]
            decided = [
                Decided(recs[i], swipe(t), 0.99, "block", [], "v1", {"alert_id": t})
                for i, t in enumerate(("t1", "t2"))
            ]
            await s.record_batch(DecidedBatch("g", decided))
        async with s.transaction():
            blocks = await s.claim_blocks(10)
            assert sorted(b.alert_id for b in blocks) == ["t1", "t2"]
            await s.apply_blocks(blocks, timedelta(hours=2))
        async with s.transaction():
            assert await s.claim_blocks(10) == []
            await s.apply_blocks([PendingBlock("t1", "card-000001")], timedelta(hours=1))
        assert await s.active_blocks() == frozenset({"card-000001"})
        await s.mark_failed(["t1"], "throttled")
        await s.mark_published(["t2"])
        assert await s.alerts_pending() == 1
    rows = await contract.rows("SELECT tx_id, expires_at FROM {schema}.card_blocks")
    assert len(rows) == 1 and rows[0].expires_at > datetime.now(UTC) + timedelta(minutes=100)
    failed = await contract.rows("SELECT attempts, last_error FROM {schema}.alert_outbox "
                                 "WHERE alert_id = 't1'")  # fmt: skip
    assert [(f.attempts, f.last_error) for f in failed] == [(1, "throttled")]


async def test_redshift_mode_refuses_the_postgres_only_block_lookup(
    redshift_only: None, contract: ContractEnv
) -> None:
    """The producer's block lookup as the Redshift path ran it before the seam (PostgreSQL
    runs it)."""
    statement = "SELECT card_token FROM s.card_blocks WHERE expires_at > clock_timestamp()"
    async with contract.deps.warehouse.acquire() as conn:
        with pytest.raises(WarehouseError, match=r"not supported by Redshift|Only %s and %% are"):
            await conn.fetch(statement)
