"""The stored timelines (the ``simulations`` table) on a real migrated schema: the newest one is
read back as its spec, and a seed already naming another timeline is refused."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator

import pytest

from fraudd.history.timelines import (
    SimulationConflict,
    StoredSimulation,
    check_seed_is_free,
    latest_simulation,
)
from fraudd.simulator import SimulationSpec
from tests.history.conftest import HistoryDb

SPEC = SimulationSpec(origin=dt.date(2018, 4, 1), seed=5, customers=40, terminals=80, radius=7.5)


async def nothing() -> AsyncIterator[str]:
    return
    yield  # an async generator without rows: the load records only the simulation


async def record(db: HistoryDb, stored: StoredSimulation) -> None:
    async with db.wh.session() as s, s.history_load() as load:
        await load.stage(nothing())
        await load.finish(stored.record(label_delay_max_days=7.0))


def test_where_a_history_ends_and_how_fast_it_ran() -> None:
    stored = StoredSimulation(SPEC, days=4, transactions=86_400, frauds=12)
    assert stored.end == dt.datetime(2018, 4, 5, tzinfo=dt.UTC) == SPEC.day_start(4)
    assert stored.tx_per_second == 0.25
    assert StoredSimulation(SPEC, days=0, transactions=0, frauds=0).tx_per_second == 0.0


def test_the_record_holds_every_field_of_the_spec_but_its_fraud_mode() -> None:
    """The table has no column for the mode yet (live mode takes it from the settings)."""
    extended = dataclasses.replace(SPEC, fraud="extended")
    row = StoredSimulation(extended, days=3, transactions=100, frauds=2).record(5.0)
    spec = dataclasses.asdict(extended)
    assert spec.pop("fraud") == "extended" and "fraud" not in dataclasses.asdict(row)
    assert spec.items() <= dataclasses.asdict(row).items()
    assert (row.days, row.transactions, row.frauds, row.label_delay_max_days) == (3, 100, 2, 5.0)


async def test_the_newest_recorded_timeline_is_read_back(history_db: HistoryDb) -> None:
    async with history_db.wh.session() as s:
        assert await latest_simulation(s) is None
    await record(history_db, StoredSimulation(SPEC, 2, 50, 1))
    longer = StoredSimulation(SPEC, 6, 150, 3)
    await record(history_db, longer)
    async with history_db.wh.session() as s:
        assert await latest_simulation(s) == longer


async def test_a_seed_naming_another_timeline_is_refused(history_db: HistoryDb) -> None:
    await record(history_db, StoredSimulation(SPEC, 2, 50, 1))
    async with history_db.wh.session() as s:
        await check_seed_is_free(s, SPEC)  # the same timeline again: its rows are the same rows
        await check_seed_is_free(s, dataclasses.replace(SPEC, seed=6))  # another seed
        # The same seed's other mode: extended ids start with "x", so they never collide.
        await check_seed_is_free(s, dataclasses.replace(SPEC, fraud="extended"))
        for other in (
            dataclasses.replace(SPEC, origin=dt.date(2019, 1, 1)),
            dataclasses.replace(SPEC, customers=41),
            dataclasses.replace(SPEC, radius=5.0),
        ):
            with pytest.raises(SimulationConflict) as refused:
                await check_seed_is_free(s, other)
            assert str(refused.value) == (
                "seed 5 already names another simulated timeline in this warehouse (origin "
                "2018-04-01, 40 customers, 80 terminals): transaction ids would collide; "
                "choose another --seed"
            )
