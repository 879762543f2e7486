"""``simulate history``: generate and bulk-load, record the simulation, idempotent re-runs."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator

import pandas as pd
import pytest

from fraudd.history.columns import label_delays
from fraudd.history.synthetic import simulate_into_warehouse
from fraudd.history.timelines import SimulationConflict, latest_simulation
from fraudd.warehouse import WarehouseError
from fraudd.warehouse import history as pg_history
from fraudd.warehouse.history import SimulationRecord
from tests.history.conftest import SMALL, SMALL_DAYS, HistoryDb

INDEXES = (
    "SELECT indexname, indexdef FROM pg_indexes "
    "WHERE schemaname = %s AND tablename = 'transactions' ORDER BY indexname"
)


async def test_simulated_history_loads_with_delayed_labels_and_its_spec(
    history_db: HistoryDb, small_frame: pd.DataFrame
) -> None:
    summary = await simulate_into_warehouse(history_db.wh, history_db.settings, SMALL, SMALL_DAYS)
    assert summary.load is not None
    assert summary.transactions == summary.load.loaded == summary.load.labels == len(small_frame)
    async with history_db.wh.acquire() as conn:
        counts = await conn.fetchrow(
            f"SELECT (SELECT count(*) FROM {history_db.schema}.transactions) AS tx, "
            f"(SELECT count(*) FROM {history_db.schema}.labels WHERE is_fraud) AS frauds, "
            f"(SELECT max(l.labelled_at - t.tx_time) FROM {history_db.schema}.labels l "
            f" JOIN {history_db.schema}.transactions t USING (tx_id)) AS longest"
        )
        labels = await conn.fetch(
            f"SELECT tx_id, labelled_at FROM {history_db.schema}.labels ORDER BY tx_id LIMIT 500"
        )
    async with history_db.wh.session() as session:
        stored = await latest_simulation(session)
    assert counts is not None and counts.tx == len(small_frame)
    assert counts.frauds == int(small_frame["is_fraud"].sum())
    assert counts.longest <= dt.timedelta(days=7)
    head = small_frame.sort_values("tx_id").iloc[:500]  # the same delays as an import would give
    due = head["tx_time"] + label_delays(head["tx_id"], 7.0)
    assert [(r.tx_id, r.labelled_at) for r in labels] == [
        (t, d.to_pydatetime()) for t, d in zip(head["tx_id"], due, strict=True)
    ]
    assert stored is not None and stored.spec == SMALL and stored.days == SMALL_DAYS
    assert stored.end == SMALL.day_start(SMALL_DAYS) and stored.transactions == len(small_frame)


async def test_loading_the_same_history_twice_changes_nothing(history_db: HistoryDb) -> None:
    first = await simulate_into_warehouse(history_db.wh, history_db.settings, SMALL, 3)
    again = await simulate_into_warehouse(history_db.wh, history_db.settings, SMALL, 3)
    assert first.load is not None and again.load is not None
    assert again.load.loaded == again.load.labels == 0
    assert again.load.rejected == {"already_loaded": first.transactions}
    async with history_db.wh.acquire() as conn:
        n = await conn.fetchval(f"SELECT count(*) FROM {history_db.schema}.transactions")
    assert n == first.transactions


async def test_a_big_load_rebuilds_the_indexes_and_a_failed_one_keeps_them(
    history_db: HistoryDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pg_history, "BIG_LOAD_ROWS", 1000)
    async with history_db.wh.acquire() as conn:
        before = [tuple(r) for r in await conn.fetch(INDEXES, history_db.schema)]
    summary = await simulate_into_warehouse(history_db.wh, history_db.settings, SMALL, 3)
    assert summary.load is not None and summary.load.indexes_rebuilt == 3
    async with history_db.wh.session() as session:
        conn = session.conn
        after = [tuple(r) for r in await conn.fetch(INDEXES, history_db.schema)]
        await conn.execute(f"TRUNCATE {history_db.schema}.transactions")
        await conn.execute(f"ANALYZE {history_db.schema}.transactions")
        async with session.history_load(check_duplicates=False) as failing:
            await failing.stage(_rows_text(2000))
            with pytest.raises(WarehouseError):  # a simulation row the table refuses (NULL)
                await failing.finish(BAD_SIMULATION)
        kept = [tuple(r) for r in await conn.fetch(INDEXES, history_db.schema)]
        n = await conn.fetchval(f"SELECT count(*) FROM {history_db.schema}.transactions")
    assert len(before) == 4 and after == before and kept == before and n == 0


BAD_SIMULATION = SimulationRecord(
    seed=1, customers=1, terminals=1, radius=1.0, origin=None,  # type: ignore[arg-type]
    days=1, transactions=1, frauds=0,
)  # fmt: skip


def _rows_text(n: int) -> AsyncIterator[str]:
    """``n`` staging rows (NORMAL_COLUMNS) as one CSV chunk."""
    row = "{i},x{i},2018-04-01T00:00:00Z,1,1,tok_abcdefgh,0000,1.00,,,EUR,,,f,"
    row += "2018-04-02T00:00:00Z,\n"

    async def chunks() -> AsyncIterator[str]:
        yield "".join(row.format(i=i) for i in range(n))

    return chunks()


async def test_a_longer_run_adds_days_and_another_timeline_needs_another_seed(
    history_db: HistoryDb,
) -> None:
    short = await simulate_into_warehouse(history_db.wh, history_db.settings, SMALL, 2)
    longer = await simulate_into_warehouse(history_db.wh, history_db.settings, SMALL, 4)
    other = dataclasses.replace(SMALL, origin=dt.date(2019, 1, 1))
    with pytest.raises(SimulationConflict, match="choose another --seed"):
        await simulate_into_warehouse(history_db.wh, history_db.settings, other, 2)
    assert longer.load is not None
    assert longer.load.rejected == {"already_loaded": short.transactions}
    assert longer.load.loaded == longer.transactions - short.transactions > 0
    async with history_db.wh.acquire() as conn:
        n = await conn.fetchval(f"SELECT count(*) FROM {history_db.schema}.transactions")
    async with history_db.wh.session() as session:
        stored = await latest_simulation(session)
    assert n == longer.transactions and stored is not None and stored.days == 4
