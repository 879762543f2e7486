"""The seeding area (fraudd/warehouse/{api,postgres,redshift}/seeding.py) on each
implementation: on the local stack a fresh schema is seeded from a prepared one (rows copied
table by table, the target's secondary indexes rebuilt, statistics refreshed); on Redshift the
operations refuse with a clear error."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from fraudd.localstack import StackInfo
from fraudd.settings import Settings
from fraudd.warehouse import WarehouseError, opened_warehouse
from fraudd.warehouse.migrate import migrate
from fraudd.warehouse.seam import Warehouse
from tests.history.conftest import schema_settings
from tests.warehouse.contract.env import ContractEnv, swipe


@asynccontextmanager
async def migrated(base: Settings) -> AsyncIterator[tuple[Settings, Warehouse]]:
    settings = schema_settings(base, "seed")
    async with opened_warehouse(settings) as wh:
        await migrate(wh.pool, settings)
        try:
            yield settings, wh
        finally:
            async with wh.acquire() as conn:
                await conn.execute(f"DROP SCHEMA {settings.warehouse.schema_name} CASCADE")


async def _indexes(wh: Warehouse, schema: str) -> list[str]:
    async with wh.acquire() as conn:
        rows = await conn.fetch(
            "SELECT indexname FROM pg_indexes WHERE schemaname = %s AND tablename = %s",
            schema, "transactions",
        )  # fmt: skip
    return sorted(str(r[0]) for r in rows)


async def test_copy_tables_from_copies_rows_and_keeps_the_indexes_or_is_refused_on_redshift(
    contract: ContractEnv, local_stack: tuple[Settings, StackInfo]
) -> None:
    wh = contract.deps.warehouse
    if contract.redshift:
        async with wh.session() as s:
            with pytest.raises(WarehouseError, match="local stack"):
                await s.copy_tables_from("fraudd", ("models",))
            with pytest.raises(WarehouseError, match="local stack"):
                await s.vacuum_analyze(("models",))
        return
    async with migrated(local_stack[0]) as (src, src_wh):
        async with src_wh.session() as s:
            await s.store_transactions([swipe("s1"), swipe("s2", hours=1)])
        indexes = await _indexes(wh, contract.schema)
        async with wh.session() as s:
            await s.copy_tables_from(src.warehouse.schema_name, ("transactions", "labels"))
            await s.vacuum_analyze(("transactions", "labels"))
    copied = await contract.rows("SELECT tx_id FROM {schema}.transactions ORDER BY tx_id")
    assert [str(r[0]) for r in copied] == ["s1", "s2"]
    assert len(indexes) > 1 and await _indexes(wh, contract.schema) == indexes
