"""The history area (fraudd/warehouse/{api,postgres,redshift,shared}/history.py) on each
implementation: bulk loads and the simulations table. On the Redshift form the rows reach the
staging table by INSERTs (no S3 here: the fixture ``stage_by_insert``; the S3 upload and the COPY
statement are tests/warehouse/redshift/test_s3stage.py); everything after the staging — the explicit
duplicate checks, the lock, the inserts, the simulation row — runs as on Redshift, on tables
whose primary keys are not enforced."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pandas as pd
import pytest

from fraudd.history.columns import NORMAL_COLUMNS
from fraudd.history.csvtext import csv_text
from fraudd.history.synthetic import from_simulation
from fraudd.simulator import SimulationSpec, Timeline
from fraudd.warehouse import WarehouseError
from fraudd.warehouse.history import SimulationRecord
from tests.warehouse.sessions import AreaDb

pytestmark = pytest.mark.usefixtures("stage_by_insert")

SPEC = SimulationSpec(origin=dt.date(2018, 4, 1), seed=3, customers=40, terminals=80)
DAYS = 3


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return Timeline(SPEC).days(0, DAYS)


def rows_text(frame: pd.DataFrame, first_line: int = 1) -> str:
    return csv_text(from_simulation(frame, first_line, 7.0), NORMAL_COLUMNS)


async def chunks(*texts: str) -> AsyncIterator[str]:
    for text in texts:
        yield text


def record(frame: pd.DataFrame, days: int = DAYS) -> SimulationRecord:
    return SimulationRecord(
        seed=SPEC.seed, customers=SPEC.customers, terminals=SPEC.terminals, radius=SPEC.radius,
        origin=SPEC.origin, days=days, transactions=len(frame),
        frauds=int(frame["is_fraud"].sum()), label_delay_max_days=7.0,
    )  # fmt: skip


async def test_a_load_checks_inserts_records_and_restores_the_timeout(
    area_db: AreaDb, frame: pd.DataFrame
) -> None:
    head, tail = frame.iloc[:100], frame.iloc[100:]
    async with area_db.wh.session() as s:
        async with s.history_load(source="history") as load:
            await load.stage(chunks(rows_text(head)))
            first = await load.finish()
        timeout = await s.conn.fetchval("SHOW statement_timeout")
        # again: the first 100 are already loaded, 5 new lines repeat within the file
        repeat = rows_text(frame.iloc[110:115], len(frame) + 1)
        async with s.history_load(sample_size=3) as load:
            await load.stage(chunks(rows_text(head), rows_text(tail, 101), repeat))
            second = await load.finish(record(frame))
        stored = await s.latest_simulation()
        same_seed = await s.simulations_with_seed(SPEC.seed)
        newest = await s.newest_transaction_since(SPEC.day_start(1))
        none_after = await s.newest_transaction_since(SPEC.day_start(DAYS))
    assert (first.staged, first.loaded, first.labels, sum(first.rejected.values())) == (
        100, 100, 100, 0
    )  # fmt: skip
    assert timeout == "1min"  # lifted for the load, restored after it
    assert second.staged == len(frame) + 5 and second.loaded == second.labels == len(tail)
    assert second.rejected == {"already_loaded": 100, "duplicate_in_file": 5}
    assert second.sample == [(1, "already_loaded"), (2, "already_loaded"), (3, "already_loaded")]
    counts = await area_db.rows(
        "SELECT count(*) AS n, count(DISTINCT tx_id) AS ids FROM {schema}.transactions"
    )  # unenforced keys on the Redshift form: only the explicit checks keep ids unique
    labels = await area_db.rows(
        "SELECT count(*) AS n, count(DISTINCT tx_id) AS ids FROM {schema}.labels"
    )
    assert tuple(counts[0]) == tuple(labels[0]) == (len(frame), len(frame))
    assert stored == record(frame) and same_seed == [record(frame)]
    assert newest == frame["tx_time"].max().to_pydatetime() and none_after is None


async def test_a_failed_load_stores_nothing(area_db: AreaDb, frame: pd.DataFrame) -> None:
    bad = SimulationRecord(
        seed=1, customers=1, terminals=1, radius=1.0, origin=None,  # type: ignore[arg-type]
        days=1, transactions=1, frauds=0,
    )  # fmt: skip
    async with area_db.wh.session() as s, s.history_load() as load:
        await load.stage(chunks(rows_text(frame)))
        with pytest.raises(WarehouseError, match="null"):
            await load.finish(bad)
    counts = await area_db.rows(
        "SELECT (SELECT count(*) FROM {schema}.transactions) AS tx, "
        "(SELECT count(*) FROM {schema}.labels) AS labels, "
        "(SELECT count(*) FROM {schema}.simulations) AS sims"
    )
    assert tuple(counts[0]) == (0, 0, 0)


async def test_without_a_simulations_table_there_is_no_timeline(area_db: AreaDb) -> None:
    await area_db.rows("SELECT 1")  # the schema exists
    raw = getattr(area_db.wh.pool, "_warehouse", area_db.wh.pool)
    async with raw.acquire() as conn:
        await conn.execute(f"DROP TABLE {area_db.schema}.simulations")
    async with area_db.wh.session() as s:
        assert await s.latest_simulation() is None
        assert await s.simulations_with_seed(1) == []
