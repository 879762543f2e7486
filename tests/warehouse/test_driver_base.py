"""What both drivers share (fraudd/warehouse/driver_base.py): the transaction's guard, the
health check and the start-up error, on both drivers against real PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from pydantic import SecretStr

from fraudd.settings import WarehouseSettings
from fraudd.warehouse import Pool, WarehouseError, connect
from tests.shim.redshift_shim import RedshiftShim
from tests.warehouse.conftest import PgCluster

SettingsFactory = Callable[..., WarehouseSettings]


async def test_transaction_commits_and_rolls_back(wh: Pool) -> None:
    s = wh.schema
    async with wh.acquire() as conn:
        await conn.execute(f"CREATE TABLE {s}.t (k text PRIMARY KEY)")
        async with conn.transaction():
            await conn.execute(f"INSERT INTO {s}.t VALUES (%s)", "kept")
            await conn.copy_rows("t", ["k"], [("copied",)])
        with pytest.raises(RuntimeError, match="boom"):
            async with conn.transaction():
                await conn.execute(f"INSERT INTO {s}.t VALUES (%s)", "lost")
                raise RuntimeError("boom")
        with pytest.raises(RuntimeError, match="not re-entrant"):
            async with conn.transaction(), conn.transaction():
                pass
    async with wh.acquire() as other:  # committed data is visible to another connection
        keys = [r.k for r in await other.fetch(f"SELECT k FROM {s}.t ORDER BY k")]
    assert keys == ["copied", "kept"]


async def test_swallowed_error_inside_transaction_does_not_commit_silently(wh: Pool) -> None:
    s = wh.schema
    async with wh.acquire() as conn:
        await conn.execute(f"CREATE TABLE {s}.t (k text PRIMARY KEY)")
        with pytest.raises(WarehouseError, match="rolled back"):
            async with conn.transaction():
                await conn.execute(f"INSERT INTO {s}.t VALUES (%s)", "first")
                with pytest.raises(WarehouseError) as dup:
                    await conn.execute(f"INSERT INTO {s}.t VALUES (%s)", "first")
                assert dup.value.sqlstate == "23505"
        assert await conn.fetchval(f"SELECT count(*) FROM {s}.t") == 0


async def test_ping_and_statement_timeout(
    settings_for: SettingsFactory, driver: str, schema: str
) -> None:
    settings = settings_for(driver, schema).derive(**{"statement_timeout_s": 0.2})
    wh = await connect(settings)
    try:
        assert await wh.ping() is True
        async with wh.acquire() as conn:
            with pytest.raises(WarehouseError) as slow:
                await conn.execute("SELECT pg_sleep(2)")
            assert await conn.fetchval("SELECT 1") == 1
        assert slow.value.sqlstate == "57014" and slow.value.transient is True
    finally:
        await wh.close()


async def test_connect_failures_are_clear(
    settings_for: SettingsFactory, driver: str, schema: str
) -> None:
    good = settings_for(driver, schema)
    wrong_password = good.derive(**{"password": SecretStr("nope")})
    with pytest.raises(WarehouseError, match="cannot connect") as auth:
        await connect(wrong_password)
    assert "password" in str(auth.value)
    assert auth.value.transient is False
    with pytest.raises(WarehouseError, match="cannot connect") as refused:
        await connect(good.derive(**{"port": 1, "connect_timeout_s": 2}))
    assert refused.value.transient is True


async def test_ping_is_false_within_the_connect_timeout_once_the_server_is_gone(
    settings_for: SettingsFactory, pg_cluster: PgCluster, driver: str, schema: str
) -> None:
    """A private proxy stands between the pool and PostgreSQL; stopping it drops every
    connection and refuses new ones, as a server that went away does."""
    proxy = RedshiftShim(pg_cluster.host, pg_cluster.port)
    proxy.start()
    running = True
    settings = settings_for(driver, schema).derive(
        **{"port": proxy.port, "sslmode": "disable", "connect_timeout_s": 0.5}
    )
    try:
        wh = await connect(settings)
        try:
            assert await wh.ping() is True
            proxy.stop()
            running = False
            started = time.perf_counter()
            assert await wh.ping() is False
            assert time.perf_counter() - started < 0.5 + 0.5
        finally:
            await wh.close()
    finally:
        if running:
            proxy.stop()
