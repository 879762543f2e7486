"""Statement traces (fraudd/warehouse/trace.py) on each implementation."""

from __future__ import annotations

from fraudd.model.record import NewModel
from fraudd.warehouse.trace import COMMIT
from tests.warehouse.sessions import AreaDb, area_db

__all__ = ["area_db"]


async def test_a_traced_block_records_its_statements_and_commits_and_nothing_else(
    area_db: AreaDb,
) -> None:
    wh = area_db.wh
    async with wh.session() as s:
        await s.list_models()  # before the block: not recorded
    async with wh.traced() as trace:
        async with wh.session() as s:
            await s.register_model(NewModel("local", None, {"n": 1}), activate=True)
            listed = await s.list_models()
        async with wh.acquire() as conn:
            await conn.fetchval("SELECT 41 + %s", 1)
    async with wh.session() as s:
        await s.list_models()  # after the block: not recorded either
    sent = [sql for sql, _ in trace.statements]
    assert [m.version for m in listed] == [1]
    assert COMMIT in sent  # registering is one transaction
    assert sent[-1] == "SELECT 41 + %s" and trace.statements[-1][1] == (1,)
    assert sum("models" in sql for sql in sent) >= 2  # the register and the list
    assert len(sent) == len(trace.statements) and sent.count("SELECT 41 + %s") == 1


async def test_traces_nest_and_the_outer_one_resumes(area_db: AreaDb) -> None:
    async with area_db.wh.traced() as outer:
        async with area_db.wh.traced() as inner, area_db.wh.acquire() as conn:
            await conn.fetchval("SELECT 1")
        async with area_db.wh.acquire() as conn:
            await conn.fetchval("SELECT 2")
    assert [sql for sql, _ in inner.statements] == ["SELECT 1"]
    assert [sql for sql, _ in outer.statements] == ["SELECT 2"]
