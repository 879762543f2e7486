"""``Connection.copy_csv``: CSV text in bulk, on both drivers (COPY on psycopg, INSERTs else)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal

from fraudd.warehouse import Pool

COLUMNS = ("k", "at", "amount", "x", "flag", "small", "name")
TEXT = (
    "1,2018-04-01T00:00:27Z,12.50,0.1,t,3,alpha\n"
    "2,2018-04-01T00:00:28.123456Z,0.01,,f,,\n"  # empty unquoted fields are NULL
)


async def _table(wh: Pool) -> None:
    async with wh.acquire() as conn:
        await conn.execute(
            f"""CREATE TABLE {wh.schema}.c (k bigint, at timestamptz, amount numeric(14,2),
                x double precision, flag boolean, small smallint, name text)"""
        )


async def test_copy_csv_loads_typed_values_and_nulls(wh: Pool) -> None:
    await _table(wh)
    async with wh.acquire() as conn:
        assert await conn.copy_csv("c", COLUMNS, [TEXT[:43], TEXT[43:]]) == 2
        rows = await conn.fetch(f"SELECT {', '.join(COLUMNS)} FROM {wh.schema}.c ORDER BY k")
    second = datetime(2018, 4, 1, 0, 0, 28, 123456, tzinfo=UTC)
    assert [tuple(r) for r in rows] == [
        (1, datetime(2018, 4, 1, 0, 0, 27, tzinfo=UTC), Decimal("12.50"), 0.1, True, 3, "alpha"),
        (2, second, Decimal("0.01"), None, False, None, None),
    ]


async def test_copy_csv_takes_async_chunks_and_counts_many_rows(wh: Pool) -> None:
    await _table(wh)

    async def chunks() -> AsyncIterator[str]:  # 3 chunks: several INSERTs on the fallback path
        for start in range(0, 3000, 1000):
            yield "".join(
                f"{k},2018-04-01T00:00:00Z,1.00,1.5,f,1,n{k}\n" for k in range(start, start + 1000)
            )

    async with wh.acquire() as conn:
        count = await conn.copy_csv(f"{wh.schema}.c", COLUMNS, chunks())
        total = await conn.fetchval(f"SELECT count(*) FROM {wh.schema}.c")
    assert count == total == 3000
