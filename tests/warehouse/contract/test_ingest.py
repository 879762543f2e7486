"""The ingest area (fraudd/warehouse/{api,postgres,redshift}/ingest.py) on each implementation:
the local stack's stand-in for streaming ingestion, refused on Redshift."""

from __future__ import annotations

import pytest

from fraudd.warehouse import WarehouseError
from tests.warehouse.contract.env import BASE, SHARD_A, ContractEnv, record


async def test_the_ingest_stand_in_exists_only_on_the_local_stack(contract: ContractEnv) -> None:
    async with contract.deps.warehouse.session() as s:
        if contract.redshift:
            with pytest.raises(WarehouseError, match="streaming ingestion"):
                await s.append_records([record(SHARD_A, 1, b"x")])
        else:
            await s.append_records([record(SHARD_A, 1, b"x"), record(SHARD_A, 1, b"x")])
            assert await s.stream_position(SHARD_A) == str(BASE + 1)
