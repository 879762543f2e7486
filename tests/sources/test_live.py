"""Live mode continues the stored history's timeline: same spec, from where the history ends."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd

from fraudd.history.synthetic import simulate_into_warehouse
from fraudd.simulator import Timeline
from fraudd.sources.live import LiveSource, drafts_from_frame, live_source_from_warehouse
from tests.history.conftest import SMALL, HistoryDb

DAYS = 5


async def test_no_simulation_means_no_live_source(history_db: HistoryDb) -> None:
    assert await live_source_from_warehouse(history_db.wh, history_db.settings) is None


async def test_live_source_continues_the_stored_timeline(history_db: HistoryDb) -> None:
    await simulate_into_warehouse(history_db.wh, history_db.settings, SMALL, DAYS)
    source = await live_source_from_warehouse(history_db.wh, history_db.settings)
    assert source is not None and source.spec == SMALL
    async with history_db.wh.acquire() as conn:
        rows = await conn.fetch(f"SELECT tx_id, tx_time FROM {history_db.schema}.transactions")
    history_ids, last = {r.tx_id for r in rows}, max(r.tx_time for r in rows)
    drafts = source.take(800)
    assert len(drafts) == 800 and drafts[0].tx_time >= last
    assert drafts[0].tx_time >= SMALL.day_start(DAYS) and source.clock() == drafts[-1].tx_time
    assert not history_ids & {d.tx_id for d in drafts}
    assert [d.tx_time for d in drafts] == sorted(d.tx_time for d in drafts)
    # exactly the days that follow in a longer history of the same spec
    longer = Timeline(SMALL).days(DAYS, DAYS + 3).iloc[:800]
    assert drafts == drafts_from_frame(longer)
    assert all(d.is_fraud is not None and d.fraud_scenario is not None for d in drafts)


async def test_a_restart_resumes_after_the_newest_live_transaction(history_db: HistoryDb) -> None:
    await simulate_into_warehouse(history_db.wh, history_db.settings, SMALL, DAYS)
    first = LiveSource(SMALL, SMALL.day_start(DAYS)).take(300)
    async with history_db.wh.acquire() as conn:  # what the consumer would have written
        await conn.executemany(
            f"INSERT INTO {history_db.schema}.transactions "
            "(tx_id, tx_time, customer_id, terminal_id, card_token, amount, source) "
            "VALUES (%s, %s, %s, %s, %s, %s, 'stream')",
            [
                (d.tx_id, d.tx_time, d.customer_id, d.terminal_id, d.card_token, d.amount)
                for d in first
            ],
        )
    resumed = await live_source_from_warehouse(history_db.wh, history_db.settings)
    assert resumed is not None
    nxt = resumed.take(100)
    assert nxt[0].tx_time >= first[-1].tx_time + dt.timedelta(seconds=1)
    assert not {d.tx_id for d in first} & {d.tx_id for d in nxt}


def test_drafts_carry_text_ids_and_none_for_missing_coordinates() -> None:
    frame = Timeline(SMALL).days(0, 1).iloc[:3].copy()
    frame["terminal_x"] = [1.5, float("nan"), 2.0]
    drafts = drafts_from_frame(frame)
    assert drafts[0].customer_id == str(frame["customer_id"].iloc[0])
    assert [d.terminal_x for d in drafts] == [1.5, None, 2.0]
    assert drafts[0].tx_time == frame["tx_time"].iloc[0].to_pydatetime()
    assert isinstance(drafts[0].tx_time, dt.datetime) and not isinstance(
        drafts[0].tx_time, pd.Timestamp
    )


async def test_live_mode_plays_the_configured_fraud_mode(history_db: HistoryDb) -> None:
    """The stored row does not say the mode: producer.fraud does. An extended history and its
    live days are one extended timeline, with the terminals' currencies on every draft."""
    extended = replace(SMALL, fraud="extended")
    settings = history_db.settings.derive(producer={"fraud": "extended"})
    await simulate_into_warehouse(history_db.wh, settings, extended, DAYS)
    source = await live_source_from_warehouse(history_db.wh, settings)
    assert source is not None and source.spec == extended
    drafts = source.take(500)
    assert drafts == drafts_from_frame(Timeline(extended).days(DAYS, DAYS + 3).iloc[:500])
    assert {d.currency for d in drafts} == {"EUR", "GBP", "CHF", "SEK"}
    assert all(d.tx_id.startswith("x") for d in drafts)
    # The same seed's handbook timeline may be stored beside it: their ids never meet.
    summary = await simulate_into_warehouse(history_db.wh, history_db.settings, SMALL, DAYS)
    assert summary.load is not None and summary.load.loaded == summary.transactions
