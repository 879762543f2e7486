"""The redshift_connector driver (fraudd/warehouse/redshift_driver.py): its placeholder dialect,
its error mapping, and its own pool of slots (what it discards, keeps and refuses), against real
PostgreSQL through the wire shim. What both drivers promise alike is in test_base.py."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable

import pytest
import redshift_connector

from fraudd.settings import WarehouseSettings
from fraudd.warehouse import Pool, WarehouseError, connect
from fraudd.warehouse.common import is_serialization_conflict
from fraudd.warehouse.redshift_driver import _connection_lost, driver_sql, map_error

SettingsFactory = Callable[..., WarehouseSettings]


@pytest.fixture
async def one_slot(settings_for: SettingsFactory, schema: str) -> AsyncIterator[Pool]:
    """A redshift_connector pool of one connection, on a fresh schema: the next acquire gets
    the same slot, so what the pool did with the last connection shows."""
    wh = await connect(settings_for("redshift_connector", schema, pool_size=1))
    async with wh.acquire() as conn:
        await conn.execute(f"CREATE SCHEMA {schema}")
        await conn.execute(f"CREATE TABLE {schema}.t (k text)")
    try:
        yield wh
    finally:
        async with wh.acquire() as conn:
            await conn.execute(f"DROP SCHEMA {schema} CASCADE")
        await wh.close()


def test_driver_sql_undoubles_percent_only_where_redshift_connector_keeps_it() -> None:
    sql = "SELECT '100%%', a %% 2, \"p%%\" FROM t WHERE b = %s -- 5%% off\n"
    assert driver_sql(sql) == "SELECT '100%', a %% 2, \"p%\" FROM t WHERE b = %s -- 5% off\n"
    assert driver_sql("SELECT $$%%$$, %s") == "SELECT $$%%$$, %s"


# A serialization conflict exactly as redshift_connector raised it against Redshift, quoted in
# aws/aws-sdk-pandas issue #665: the message is only the number, the words are in the detail.
REDSHIFT_1023 = {
    "S": "ERROR",
    "C": "XX000",
    "M": "1023",
    "D": "Serializable isolation violation on table - 119371, transactions forming the cycle "
    "are: 1745830, 1745762 (pid:15021)",
    "F": "/home/ec2-user/padb/src/sys/xen_execute.cpp",
    "L": "9797",
    "R": "pg_throw",
}


def test_error_mapping_of_client_side_failures() -> None:
    broken = map_error(redshift_connector.InterfaceError("BrokenPipe: server socket closed"))
    timeout = map_error(redshift_connector.OperationalError("connection time out"))
    unsupported = map_error(redshift_connector.NotSupportedError("type set not mapped"))
    deadlock = map_error(redshift_connector.ProgrammingError({"C": "40P01", "M": "deadlock"}))
    assert broken.transient and timeout.transient
    assert not unsupported.transient
    assert deadlock.transient and deadlock.sqlstate == "40P01"
    assert isinstance(broken, WarehouseError)


def test_redshift_serialization_conflict_is_transient_and_keeps_its_words() -> None:
    error = map_error(redshift_connector.ProgrammingError(dict(REDSHIFT_1023)))
    assert error.transient and error.sqlstate == "XX000"
    assert "1023" in str(error) and "Serializable isolation violation" in str(error)
    assert is_serialization_conflict(error)  # what the retry metric's reason reads
    # the same code without Redshift's number is an internal error, not worth a retry
    internal = map_error(redshift_connector.ProgrammingError({"C": "XX000", "M": "1204"}))
    assert not internal.transient and not is_serialization_conflict(internal)


def test_only_a_lost_connection_is_marked_for_discarding() -> None:
    """``_connection_lost`` decides whether a failed connection goes back to the pool."""

    def error(fields: dict[str, str]) -> WarehouseError:
        return map_error(redshift_connector.ProgrammingError(fields))

    assert _connection_lost(map_error(redshift_connector.InterfaceError("BrokenPipe")))
    assert _connection_lost(error({"C": "57P01", "M": "terminating connection"}))
    assert _connection_lost(error({"C": "08006", "M": "connection failure"}))
    assert not _connection_lost(error({"C": "40001", "M": "could not serialize access"}))
    assert not _connection_lost(error({"C": "57014", "M": "canceling statement"}))
    assert not _connection_lost(error({"C": "42601", "M": "syntax error"}))


async def test_a_statement_error_keeps_the_connection_in_the_pool(one_slot: Pool) -> None:
    async with one_slot.acquire() as conn:
        pid = await conn.fetchval("SELECT pg_backend_pid()")
        with pytest.raises(WarehouseError):
            await conn.execute("SELEC 1")
        await conn.execute("SET statement_timeout TO 50")
        with pytest.raises(WarehouseError) as slow:
            await conn.execute("SELECT pg_sleep(1)")
        await conn.execute("SET statement_timeout TO 10000")
    assert slow.value.transient  # a timeout is worth a retry, on the same connection
    async with one_slot.acquire() as conn:
        assert await conn.fetchval("SELECT pg_backend_pid()") == pid


async def test_a_connection_left_inside_a_transaction_is_not_handed_out_again(
    one_slot: Pool,
) -> None:
    """A caller that sent BEGIN and never COMMIT: the next caller must not inherit its open
    transaction (and its uncommitted rows); the connection is closed, which rolls it back."""
    s = one_slot.schema
    async with one_slot.acquire() as conn:
        pid = await conn.fetchval("SELECT pg_backend_pid()")
        await conn.execute("BEGIN")
        await conn.execute(f"INSERT INTO {s}.t VALUES (%s)", "uncommitted")
    async with one_slot.acquire() as conn:
        assert await conn.fetchval("SELECT pg_backend_pid()") != pid
        assert await conn.fetchval(f"SELECT count(*) FROM {s}.t") == 0
        assert await conn.execute(f"INSERT INTO {s}.t VALUES (%s)", "autocommitted") == 1


async def test_an_exhausted_pool_fails_transiently_after_its_timeout(
    settings_for: SettingsFactory, schema: str
) -> None:
    settings = settings_for("redshift_connector", schema, pool_size=1).derive(
        **{"statement_timeout_s": 0.2, "connect_timeout_s": 0.2}
    )
    wh = await connect(settings)
    try:
        async with wh.acquire():
            started = time.perf_counter()
            with pytest.raises(WarehouseError, match=r"no free connection within 0\.4 s") as busy:
                async with wh.acquire():
                    pass
            waited = time.perf_counter() - started
        assert busy.value.transient and 0.35 < waited < 1.0
        async with wh.acquire() as conn:  # the slot held above is free again
            assert await conn.fetchval("SELECT 1") == 1
    finally:
        await wh.close()


async def test_a_closed_pool_hands_out_nothing(settings_for: SettingsFactory, schema: str) -> None:
    wh = await connect(settings_for("redshift_connector", schema))
    await wh.close()
    with pytest.raises(WarehouseError, match="warehouse is closed") as closed:
        async with wh.acquire():
            pass
    assert closed.value.transient is False
