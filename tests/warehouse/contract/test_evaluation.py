"""The evaluation area (fraudd/warehouse/{api,shared}/evaluation.py) on each implementation: the
frauds the evaluation protocol counts as known, by card and time."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from fraudd.warehouse.labels import Label
from tests.warehouse.contract.env import HISTORY_START as START
from tests.warehouse.contract.env import swipe
from tests.warehouse.sessions import AreaDb


async def test_known_frauds_of_the_history(area_db: AreaDb, history: pd.DataFrame) -> None:
    end = START + dt.timedelta(days=2)
    # the days around the range only (the range and a day either side): loading is the cost
    around = history["tx_time"].between(START - dt.timedelta(days=8), end + dt.timedelta(days=1))
    await area_db.load(history[around])
    async with area_db.wh.session() as s:
        frauds = await s.known_frauds(START - dt.timedelta(days=7), end)
    known = history[
        (history["is_fraud"] > 0)
        & (history["tx_time"] >= START - dt.timedelta(days=7))
        & (history["tx_time"] < end)
    ]
    assert sorted(frauds) == sorted(
        zip(known["card_token"], (t.to_pydatetime() for t in known["tx_time"]), strict=True)
    )
    assert len(frauds) > 0


async def test_known_frauds_count_every_fraud_label_of_the_range_whenever_it_arrived(
    area_db: AreaDb,
) -> None:
    swipes = [swipe("before", hours=-1), swipe("first"), swipe("other", card="card-000002"),
              swipe("legit", hours=1), swipe("unlabelled", hours=1),
              swipe("at_end", hours=2)]  # fmt: skip
    start, end = swipes[1].tx_time, swipes[5].tx_time
    soon, years_later = start + dt.timedelta(hours=1), start + dt.timedelta(days=900)
    labels = [Label("before", True, soon), Label("first", True, soon),
              Label("other", True, years_later), Label("legit", False, soon),
              Label("at_end", True, soon)]  # fmt: skip
    async with area_db.wh.session() as s:
        await s.store_transactions(swipes)
        await s.insert_labels(labels, "test")
        frauds = await s.known_frauds(start, end)
        none = await s.known_frauds(end + dt.timedelta(hours=1), end + dt.timedelta(days=1))
    assert sorted(frauds) == [("card-000001", start), ("card-000002", start)]
    assert all(t.tzinfo is not None for _, t in frauds)
    assert none == []


async def test_fraud_scenarios_name_the_frauds_of_the_range_that_carry_one(
    area_db: AreaDb,
) -> None:
    swipes = [swipe("before", hours=-1), swipe("s1"), swipe("s2", hours=1),
              swipe("no_scenario", hours=1), swipe("legit", hours=1),
              swipe("at_end", hours=2)]  # fmt: skip
    start, end = swipes[1].tx_time, swipes[5].tx_time
    soon = start + dt.timedelta(hours=1)
    labels = [Label("before", True, soon, 1), Label("s1", True, soon, 1),
              Label("s2", True, soon, 3), Label("no_scenario", True, soon),
              Label("legit", False, soon, 0), Label("at_end", True, soon, 2)]  # fmt: skip
    async with area_db.wh.session() as s:
        await s.store_transactions(swipes)
        await s.insert_labels(labels, "test")
        found = await s.fraud_scenarios(start, end)
    assert sorted(found) == [("s1", 1), ("s2", 3)]
