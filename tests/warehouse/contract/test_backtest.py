"""The backtest area (fraudd/warehouse/backtest.py) on each implementation: each past swipe's
record fields, in the training rows' order, and its velocity counted as the consumer counts it
(only swipes up to the transaction: a backtest reads nothing the consumer could not have)."""

from __future__ import annotations

import datetime as dt

from fraudd.records import Swipe
from fraudd.warehouse import BACKTEST_COLUMNS
from tests.warehouse.sessions import AreaDb

NOON = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)


def swipe(tx_id: str, seconds: float, card: str = "card-000001", **fields: object) -> Swipe:
    when = NOON + dt.timedelta(seconds=seconds)
    return Swipe.model_validate(
        {"tx_id": tx_id, "tx_time": when, "card_token": card, "last4": "4242",
         "customer_id": f"cust-{card}", "terminal_id": "term-1", "amount": 20.0,
         "produced_at": when, **fields}
    )  # fmt: skip


SWIPES = [
    swipe("before", -30),  # before the range: counted in a velocity, never returned
    swipe("t1", 0, merchant_category="5967", channel="online", terminal_x=1.5, terminal_y=2.5),
    swipe("t3", 10),
    swipe("t2", 10),  # the same instant as t3: each counts the other, as velocities does
    swipe("other", 20, card="card-000002", currency="USD"),
    swipe("t4", 65),  # "before" and t1 have left the 60 s window
    swipe("after", 3600),  # at the range's end: excluded
]


async def test_records_of_the_range_with_the_consumers_velocity(area_db: AreaDb) -> None:
    start, end = NOON, NOON + dt.timedelta(seconds=3600)
    async with area_db.wh.session() as s:
        await s.store_transactions(SWIPES)
        rows = await s.backtest_records(start, end, 60.0)
        velocities = await s.velocities(SWIPES[1:-1], 60.0)
    records = [dict(zip(BACKTEST_COLUMNS, row, strict=True)) for row in rows]
    assert [r["tx_id"] for r in records] == ["t1", "t2", "t3", "other", "t4"]
    assert {r["tx_id"]: int(r["velocity"]) for r in records} == velocities
    assert velocities == {"t1": 2, "t2": 4, "t3": 4, "other": 1, "t4": 3}
    first = records[0]
    assert (first["merchant_category"], first["channel"], first["currency"]) == (
        "5967", "online", "EUR",
    )  # fmt: skip
    assert (float(first["terminal_x"]), float(first["terminal_y"])) == (1.5, 2.5)
    assert (first["terminal_id"], first["last4"]) == ("term-1", "4242")
    assert records[3]["currency"] == "USD" and records[3]["channel"] is None


async def test_an_empty_range_reads_nothing(area_db: AreaDb) -> None:
    async with area_db.wh.session() as s:
        await s.store_transactions(SWIPES)
        assert (
            await s.backtest_records(NOON - dt.timedelta(days=2), NOON - dt.timedelta(days=1), 60.0)
            == []
        )
