"""The ingest area (fraudd/warehouse/{api,postgres,redshift}/ingest.py) on each implementation:
the local stack's stand-in for streaming ingestion, refused on Redshift."""

from __future__ import annotations

import pytest

from fraudd.warehouse import WarehouseError
from tests.warehouse.contract.env import BASE, SHARD_A, SHARD_B, ContractEnv, record


async def test_the_ingest_stand_in_exists_only_on_the_local_stack(contract: ContractEnv) -> None:
    async with contract.deps.warehouse.session() as s:
        if contract.redshift:
            with pytest.raises(WarehouseError, match="streaming ingestion"):
                await s.append_records([record(SHARD_A, 1, b"x")])
        else:
            await s.append_records([record(SHARD_A, 1, b"x"), record(SHARD_A, 1, b"x")])
            assert await s.stream_position(SHARD_A) == str(BASE + 1)


async def test_stream_position_is_the_highest_sequence_number_of_each_shard(
    contract: ContractEnv,
) -> None:
    """What the ingest role resumes from after a restart: per shard, by number (Kinesis
    sequence numbers are ordered per shard only), records already there skipped."""
    wh = contract.deps.warehouse
    if contract.redshift:  # Redshift ingests the stream itself
        async with wh.session() as s:
            with pytest.raises(WarehouseError, match="streaming ingestion"):
                await s.stream_position(SHARD_A)
        return
    async with wh.session() as s:
        assert await s.stream_position(SHARD_A) is None
        await s.append_records([record(SHARD_A, n, b"a%d" % n) for n in (3, 10, 7)])
        await s.append_records([record(SHARD_B, 2, b"b2"), record(SHARD_A, 10, b"again")])
        positions = (await s.stream_position(SHARD_A), await s.stream_position(SHARD_B))
        rows = await s.pending({SHARD_A: None, SHARD_B: None}, 10)
    assert positions == (str(BASE + 10), str(BASE + 2))
    assert sorted((r.shard_id, int(r.sequence_number) - BASE, r.data) for r in rows) == [
        (SHARD_A, 3, b"a3"), (SHARD_A, 7, b"a7"), (SHARD_A, 10, b"a10"), (SHARD_B, 2, b"b2"),
    ]  # fmt: skip
