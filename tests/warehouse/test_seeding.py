"""Seeding a fresh schema from a prepared one (fraudd/warehouse/api/seeding.py), local stack only:
rows copied table by table, the target's secondary indexes rebuilt, statistics refreshed; on
Redshift the operations refuse with a clear error."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from fraudd.localstack import StackInfo
from fraudd.settings import Settings
from fraudd.warehouse import WarehouseError, opened_warehouse
from fraudd.warehouse.api import Warehouse
from fraudd.warehouse.migrate import migrate
from tests.history.conftest import schema_settings
from tests.warehouse.contract.test_operations import swipe


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


async def test_copy_tables_from_copies_rows_and_keeps_the_indexes(
    local_stack: tuple[Settings, StackInfo],
) -> None:
    async with migrated(local_stack[0]) as (src, src_wh), migrated(local_stack[0]) as (dst, wh):
        async with src_wh.session() as s:
            await s.store_transactions([swipe("s1"), swipe("s2", hours=1)])
        indexes = await _indexes(wh, dst.warehouse.schema_name)
        async with wh.session() as s:
            await s.copy_tables_from(src.warehouse.schema_name, ("transactions", "labels"))
            await s.vacuum_analyze(("transactions", "labels"))
        async with wh.acquire() as conn:
            copied = await conn.fetch(
                f"SELECT tx_id FROM {dst.warehouse.schema_name}.transactions ORDER BY tx_id"
            )
        assert [str(r[0]) for r in copied] == ["s1", "s2"]
        assert len(indexes) > 1 and await _indexes(wh, dst.warehouse.schema_name) == indexes


async def test_seeding_is_refused_on_redshift(local_stack: tuple[Settings, StackInfo]) -> None:
    settings = local_stack[0].derive(warehouse={"dialect": "redshift"})
    async with opened_warehouse(settings) as wh, wh.session() as s:
        with pytest.raises(WarehouseError, match="local stack"):
            await s.copy_tables_from("fraudd", ("models",))
        with pytest.raises(WarehouseError, match="local stack"):
            await s.vacuum_analyze(("models",))
