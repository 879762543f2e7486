"""Migrations against real PostgreSQL, through both drivers."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from fraudd.settings import Settings, WarehouseSettings
from fraudd.warehouse import Pool, WarehouseError, connect
from fraudd.warehouse.migrate import migrate, pending
from fraudd.warehouse.sqlfiles import load_migrations, sql_dir

TABLES_0001 = {
    "alert_outbox",
    "card_blocks",
    "consumer_watermarks",
    "dead_letters",
    "decisions",
    "labels",
    "models",
    "schema_migrations",
    "transactions",
    "tx_stream",
}


async def _tables(wh: Pool) -> set[str]:
    async with wh.acquire() as conn:
        rows = await conn.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", wh.schema
        )
    return {r.table_name for r in rows}


async def test_migrate_applies_everything_once(wh: Pool, full_settings: Settings) -> None:
    expected = [m.version for m in load_migrations("postgres")]
    assert await pending(wh, full_settings) == expected
    assert await _tables(wh) == set()  # pending() only reads
    assert await migrate(wh, full_settings) == expected
    assert await migrate(wh, full_settings) == []
    assert await pending(wh, full_settings) == []
    assert TABLES_0001 <= await _tables(wh)
    async with wh.acquire() as conn:
        recorded = await conn.fetch(
            f"SELECT version, name, checksum, applied_at FROM {wh.schema}.schema_migrations"
        )
    assert [r.version for r in recorded] == expected
    assert recorded[0].name == "init" and len(recorded[0].checksum) == 64
    assert recorded[0].applied_at.tzinfo is not None


async def test_migrate_refuses_an_edited_migration(
    wh: Pool, full_settings: Settings, tmp_path: Path
) -> None:
    root = tmp_path / "sql"
    shutil.copytree(sql_dir(), root)
    assert await migrate(wh, full_settings, root=root)
    init = root / "postgres" / "0001_init.sql"
    init.write_text(init.read_text() + "\n-- an innocent-looking edit\n")
    with pytest.raises(WarehouseError, match="0001_init was changed") as refused:
        await migrate(wh, full_settings, root=root)
    assert refused.value.transient is False
    with pytest.raises(WarehouseError, match="changed"):
        await pending(wh, full_settings, root=root)


async def _record_checksum(wh: Pool, version: str, digest: str) -> None:
    async with wh.acquire() as conn:
        await conn.execute(
            f"UPDATE {wh.schema}.schema_migrations SET checksum = %s WHERE version = %s",
            digest,
            version,
        )


async def test_migrate_accepts_an_earlier_text_of_the_same_schema_and_nothing_else(
    wh: Pool, full_settings: Settings
) -> None:
    applied = await migrate(wh, full_settings)
    [init] = [m for m in load_migrations("postgres") if m.version == "0001"]
    await _record_checksum(wh, "0001", init.superseded[0])  # applied before the table catalog
    assert await pending(wh, full_settings) == []
    assert await migrate(wh, full_settings) == []
    await _record_checksum(wh, "0001", "0" * 64)
    with pytest.raises(WarehouseError, match="0001_init was changed"):
        await migrate(wh, full_settings)
    assert applied[0] == "0001"


async def test_failed_migration_leaves_nothing_behind(
    wh: Pool, full_settings: Settings, tmp_path: Path
) -> None:
    root = tmp_path / "sql"
    (root / "postgres").mkdir(parents=True)
    (root / "postgres" / "0001_ok.sql").write_text("CREATE TABLE {schema}.ok (a int);")
    (root / "postgres" / "0002_bad.sql").write_text(
        "CREATE TABLE {schema}.half (a int);\nCREATE TABLE {schema}.broken (a nosuchtype);"
    )
    with pytest.raises(WarehouseError) as failed:
        await migrate(wh, full_settings, root=root)
    assert failed.value.sqlstate == "42704"
    assert await _tables(wh) == {"ok", "schema_migrations"}
    assert await pending(wh, full_settings, root=root) == ["0002"]


async def test_concurrent_migrations_apply_once(
    settings_for: Callable[..., WarehouseSettings], driver: str, schema: str, tmp_path: Path
) -> None:
    root = tmp_path / "sql"
    (root / "postgres").mkdir(parents=True)
    # slow enough that both runners are inside the migration at the same time
    (root / "postgres" / "0001_slow.sql").write_text(
        "SELECT pg_sleep(0.3);\nCREATE TABLE {schema}.once (a int);\n"
        "INSERT INTO {schema}.once VALUES (1);"
    )
    (root / "postgres" / "0002_more.sql").write_text("INSERT INTO {schema}.once VALUES (2);")
    settings = Settings(warehouse=settings_for(driver, schema))
    first, second = await connect(settings.warehouse), await connect(settings.warehouse)
    try:
        results = await asyncio.gather(
            migrate(first, settings, root=root), migrate(second, settings, root=root)
        )
        async with first.acquire() as conn:
            values = [r.a for r in await conn.fetch(f"SELECT a FROM {schema}.once ORDER BY a")]
            await conn.execute(f"DROP SCHEMA {schema} CASCADE")
    finally:
        await first.close()
        await second.close()
    assert sorted(v for result in results for v in result) == ["0001", "0002"]
    assert values == [1, 2]


async def test_a_dialect_without_migrations_is_refused(
    wh: Pool, full_settings: Settings, tmp_path: Path
) -> None:
    (tmp_path / "redshift").mkdir()
    with pytest.raises(WarehouseError, match="no migrations for dialect postgres"):
        await migrate(wh, full_settings, root=tmp_path)


def _with_fields(settings: Settings, **types: str) -> Settings:
    declared = {name: {"type": t, "description": name} for name, t in types.items()}
    return settings.derive(fields={"declared": declared})


async def _columns(wh: Pool) -> dict[str, str]:
    async with wh.acquire() as conn:
        rows = await conn.fetch(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = 'transactions'",
            wh.schema,
        )
    return {r.column_name: r.data_type for r in rows}


async def test_migrate_adds_each_declared_field_as_a_typed_column(
    wh: Pool, full_settings: Settings
) -> None:
    await migrate(wh, full_settings)
    before = await _columns(wh)
    one = _with_fields(full_settings, merchant_country="string")
    await migrate(wh, one)
    both = _with_fields(full_settings, merchant_country="string", seen_at="timestamp")
    await migrate(wh, both)
    await migrate(wh, both)  # idempotent
    added = {k: v for k, v in (await _columns(wh)).items() if k not in before}
    assert added == {"merchant_country": "text", "seen_at": "timestamp with time zone"}


async def test_migrate_refuses_a_declared_field_whose_type_changed(
    wh: Pool, full_settings: Settings
) -> None:
    await migrate(wh, _with_fields(full_settings, device_score="number"))
    with pytest.raises(WarehouseError, match="field device_score: declared as boolean but"):
        await migrate(wh, _with_fields(full_settings, device_score="boolean"))
    assert (await _columns(wh))["device_score"] == "double precision"
