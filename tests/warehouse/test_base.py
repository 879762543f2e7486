"""The warehouse interface (fraudd/warehouse/base.py) as both drivers implement it.

base.py's docstrings promise callers one behaviour whichever driver is configured: the placeholder
rule, named-tuple rows, one set of Python types, bulk appends, autocommit outside a transaction,
server errors as WarehouseError, and a pool that survives lost and cancelled connections. Each
test here runs on both drivers against real PostgreSQL (redshift_connector through the wire shim).
What one driver or their shared base does beyond that is in test_psycopg_driver.py,
test_redshift_driver.py and test_driver_base.py.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from fraudd.warehouse import Pool, WarehouseError, rows_as_dicts


async def test_execute_fetch_and_named_tuple_rows(wh: Pool) -> None:
    s = wh.schema
    async with wh.acquire() as conn:
        await conn.execute(f"CREATE TABLE {s}.kv (k text PRIMARY KEY, v integer)")
        assert (
            await conn.execute(f"INSERT INTO {s}.kv VALUES (%s, %s), (%s, %s)", "a", 1, "b", 2) == 2
        )
        await conn.executemany(f"INSERT INTO {s}.kv VALUES (%s, %s)", [("c", 3), ("d", 4)])
        assert await conn.execute(f"UPDATE {s}.kv SET v = v + 10 WHERE v > %s", 2) == 2
        rows = await conn.fetch(f"SELECT k, v FROM {s}.kv ORDER BY k")
        row = await conn.fetchrow(f"SELECT k, v FROM {s}.kv WHERE k = %s", "b")
        missing = await conn.fetchrow(f"SELECT k FROM {s}.kv WHERE k = %s", "zz")
        count = await conn.fetchval(f"SELECT count(*) FROM {s}.kv")
        nothing = await conn.fetchval(f"SELECT v FROM {s}.kv WHERE k = %s", "zz")
        # with parameters a literal % is written %%; without, it is left alone
        percent = await conn.fetchval("SELECT '100%%' || %s", "!")
        bare = await conn.fetchval("SELECT '50%'")
    assert [tuple(r) for r in rows] == [("a", 1), ("b", 2), ("c", 13), ("d", 14)]
    assert row is not None and row.k == "b" and row.v == 2 and row[1] == 2
    assert rows_as_dicts(rows)[0] == {"k": "a", "v": 1}
    assert missing is None and nothing is None and count == 4
    assert percent == "100%!" and bare == "50%"


EXPECTED_TYPES = {
    "amount": Decimal,
    "seq": Decimal,
    "at": datetime,
    "data": bytes,
    "doc": dict,
    "x": float,
    "flag": bool,
    "small": int,
    "name": str,
}


async def _types_table(wh: Pool) -> None:
    async with wh.acquire() as conn:
        await conn.execute(
            f"""CREATE TABLE {wh.schema}.types (
                amount numeric(14,2), seq numeric(128,0), at timestamptz, data bytea, doc jsonb,
                x double precision, flag boolean, small smallint, name text)"""
        )


SAMPLE: tuple[Any, ...] = (
    Decimal("1234.50"),
    Decimal("49590338271490256608559692538361571095921575989136588898"),
    datetime(2024, 3, 1, 12, 30, 15, 123456, tzinfo=UTC),
    b"\x00\x01\xff\\\t\n binary",
    {"reasons": ["amount", "night"], "score": 0.93, "nested": {"k": None}},
    0.1,
    True,
    7,
    "tab\there, newline\nthere, backslash \\ and ünïcödé",
)
COLUMNS = ("amount", "seq", "at", "data", "doc", "x", "flag", "small", "name")


def _check_sample(row: Any) -> None:
    for column, expected_type in EXPECTED_TYPES.items():
        assert isinstance(getattr(row, column), expected_type), column
    assert tuple(row) == SAMPLE
    assert row.at.utcoffset() == timedelta(0)


async def test_types_round_trip_through_bound_parameters(wh: Pool) -> None:
    await _types_table(wh)
    async with wh.acquire() as conn:
        placeholders = ", ".join(["%s"] * len(COLUMNS))
        await conn.execute(f"INSERT INTO {wh.schema}.types VALUES ({placeholders})", *SAMPLE)
        row = await conn.fetchrow(f"SELECT * FROM {wh.schema}.types")
        nulls = await conn.fetchrow(
            "SELECT NULL::numeric AS n, NULL::bytea AS b, NULL::jsonb AS j, NULL::timestamptz AS t"
        )
    _check_sample(row)
    assert nulls is not None and tuple(nulls) == (None, None, None, None)


async def test_copy_rows_appends_every_row_with_the_same_types(wh: Pool) -> None:
    await _types_table(wh)
    rows = [SAMPLE] * 2500 + [(None,) * len(COLUMNS)]
    async with wh.acquire() as conn:
        assert await conn.copy_rows("types", COLUMNS, rows) == 2501
        assert await conn.copy_rows(f"{wh.schema}.types", COLUMNS, iter([SAMPLE])) == 1
        assert await conn.copy_rows("types", COLUMNS, []) == 0
        fetched = await conn.fetch(f"SELECT * FROM {wh.schema}.types WHERE name IS NOT NULL")
        nulls = await conn.fetchval(f"SELECT count(*) FROM {wh.schema}.types WHERE name IS NULL")
    assert len(fetched) == 2501 and nulls == 1
    _check_sample(fetched[0])
    _check_sample(fetched[-1])


async def test_server_errors_are_mapped_and_not_transient(wh: Pool) -> None:
    async with wh.acquire() as conn:
        with pytest.raises(WarehouseError) as syntax:
            await conn.execute("SELEC 1")
        with pytest.raises(WarehouseError) as missing:
            await conn.fetch(f"SELECT * FROM {wh.schema}.does_not_exist")
        assert await conn.fetchval("SELECT 1") == 1  # the connection is still usable
    assert syntax.value.transient is False and syntax.value.sqlstate == "42601"
    assert missing.value.transient is False and missing.value.sqlstate == "42P01"
    assert syntax.value.__cause__ is not None


async def test_outside_a_transaction_every_statement_commits_on_its_own(wh: Pool) -> None:
    s = wh.schema
    async with wh.acquire() as conn, wh.acquire() as other:
        await conn.execute(f"CREATE TABLE {s}.t (k text PRIMARY KEY)")
        await conn.execute(f"INSERT INTO {s}.t VALUES (%s)", "first")
        seen = await other.fetchval(f"SELECT count(*) FROM {s}.t")  # no COMMIT was sent
        with pytest.raises(WarehouseError):
            await conn.execute(f"INSERT INTO {s}.t VALUES (%s), (%s)", "second", "first")
        await conn.execute(f"INSERT INTO {s}.t VALUES (%s)", "third")  # not an aborted block
        keys = [r.k for r in await other.fetch(f"SELECT k FROM {s}.t ORDER BY k")]
    assert seen == 1
    assert keys == ["first", "third"]  # the failed statement took only itself back


async def _terminate(wh: Pool, pid: int) -> None:
    async with wh.acquire() as killer:
        assert await killer.fetchval("SELECT pg_terminate_backend(%s)", pid) is True


async def test_terminated_connection_is_transient_and_pool_recovers(wh: Pool) -> None:
    async with wh.acquire() as conn:
        victim = await conn.fetchval("SELECT pg_backend_pid()")
        await _terminate(wh, victim)
        with pytest.raises(WarehouseError) as lost:
            await conn.fetchval("SELECT 1")
    assert lost.value.transient is True
    for _ in range(4):  # every slot of the pool serves again
        async with wh.acquire() as conn:
            assert await conn.fetchval("SELECT pg_backend_pid()") != victim


async def test_connection_killed_while_idle_is_replaced_on_acquire(wh: Pool) -> None:
    if hasattr(wh, "check_after_idle_s"):
        wh.check_after_idle_s = 0.0  # check every hand-out, as psycopg_pool does
    async with wh.acquire() as killer:
        async with wh.acquire() as conn:
            victim = await conn.fetchval("SELECT pg_backend_pid()")
        assert await killer.fetchval("SELECT pg_terminate_backend(%s)", victim) is True
    await asyncio.sleep(0.1)
    async with AsyncExitStack() as stack:  # hold every slot, so the victim's is handed out too
        conns = [await stack.enter_async_context(wh.acquire()) for _ in range(3)]
        pids = [await c.fetchval("SELECT pg_backend_pid()") for c in conns]
    assert victim not in pids and len(set(pids)) == 3


async def test_cancelled_query_frees_its_slot(wh: Pool) -> None:
    async def sleeper() -> None:
        async with wh.acquire() as conn:
            await conn.execute("SELECT pg_sleep(0.5)")

    task = asyncio.create_task(sleeper())
    await asyncio.sleep(0.15)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with asyncio.timeout(5):
        async with wh.acquire() as a, wh.acquire() as b, wh.acquire() as c:  # pool_size = 3
            values = [await x.fetchval("SELECT %s::int", i) for i, x in enumerate((a, b, c))]
    assert values == [0, 1, 2]


async def test_queries_never_block_the_event_loop(wh: Pool) -> None:
    gaps: list[float] = []

    async def ticker() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    tick = asyncio.create_task(ticker())
    async with wh.acquire() as conn:
        await conn.execute("SELECT pg_sleep(0.4)")
    tick.cancel()
    assert len(gaps) >= 20
    assert max(gaps) < 0.15


async def test_copy_rows_of_a_stream_batch_is_quick(wh: Pool) -> None:
    """5,000 stream-view rows (300-byte payloads) in one COPY; prints the time for the report."""
    s = wh.schema
    async with wh.acquire() as conn:
        await conn.execute(
            f"""CREATE TABLE {s}.stream (at timestamptz NOT NULL, partition_key text NOT NULL,
                shard_id text NOT NULL, sequence_number numeric(128,0) NOT NULL,
                kinesis_data bytea NOT NULL, PRIMARY KEY (shard_id, sequence_number))"""
        )
        now, payload = datetime.now(UTC), bytes(range(256)) + b"x" * 44
        first = 49590338271490256608559692538361571095921575989136588898
        rows = [(now, f"c{i}", "shardId-000", Decimal(first + i), payload) for i in range(5000)]
        started = time.perf_counter()
        count = await conn.copy_rows(
            "stream", ["at", "partition_key", "shard_id", "sequence_number", "kinesis_data"], rows
        )
        elapsed = time.perf_counter() - started
        stored = await conn.fetchrow(
            f"SELECT count(*) AS n, min(sequence_number) AS lo FROM {s}.stream"
        )
    print(f"copy_rows 5000 rows via {type(wh).__name__}: {elapsed * 1000:.0f} ms")
    assert count == 5000 and stored is not None and stored.n == 5000 and stored.lo == first
    assert elapsed < 2.0
