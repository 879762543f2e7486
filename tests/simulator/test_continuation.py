"""Live mode continues the history's timeline: history(30) + live(30..40) == history(40)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from fraudd.simulator import (
    COLUMNS,
    LABEL_COLUMNS,
    STREAM_COLUMNS,
    LiveSimulator,
    SimulationSpec,
    Timeline,
    generate_history,
    split_labels,
)
from fraudd.simulator.frauds import LOOKAHEAD_DAYS, LOOKBEHIND_DAYS

SPEC = SimulationSpec(origin=dt.date(2018, 4, 1), seed=3, customers=500, terminals=1000)


def _history(days: int) -> pd.DataFrame:
    return generate_history(
        SPEC.origin, days, SPEC.customers, SPEC.terminals, SPEC.seed, SPEC.radius
    )


def _play(live: LiveSimulator, until: dt.datetime, rng: np.random.Generator) -> pd.DataFrame:
    """Advance in irregular steps (seconds to a day and a half), crossing day boundaries."""
    parts = []
    while live.clock < until:
        step = dt.timedelta(seconds=float(rng.exponential(20_000)))
        parts.append(live.advance(min(until, live.clock + step)))
    return pd.concat(parts, ignore_index=True)


def test_history_plus_live_equals_longer_history() -> None:
    history = _history(30)
    live = LiveSimulator(SPEC, SPEC.day_start(30))
    played = _play(live, SPEC.day_start(40), np.random.default_rng(0))
    combined = pd.concat([history, played], ignore_index=True)
    pd.testing.assert_frame_equal(combined, _history(40))
    assert played["tx_id"].is_unique
    assert set(played["tx_id"]).isdisjoint(history["tx_id"])
    # Scenario 2 and 3 compromises from the history keep producing frauds in live mode.
    assert set(played["fraud_scenario"].unique()) >= {0, 2, 3}


def test_advance_returns_exactly_the_interval() -> None:
    start = SPEC.day_start(2) + dt.timedelta(hours=9, seconds=0.5)
    live = LiveSimulator(SPEC, start)
    until = start + dt.timedelta(hours=30)
    got = live.advance(until)
    assert live.clock == until
    day = Timeline(SPEC).days(2, 4)
    inside = day[(day["tx_time"] >= start) & (day["tx_time"] < until)].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, inside)
    assert got["tx_time"].min() >= start and got["tx_time"].max() < until


def test_advance_to_the_past_returns_nothing() -> None:
    live = LiveSimulator(SPEC, SPEC.day_start(1))
    first = live.advance(SPEC.day_start(1) + dt.timedelta(minutes=30))
    again = live.advance(SPEC.day_start(1))
    assert len(first) > 0 and len(again) == 0
    assert tuple(again.columns) == COLUMNS
    assert (again.dtypes == first.dtypes).all()


def test_rates_stay_those_of_the_history() -> None:
    """Per-customer rates of live days are those the model is trained on."""
    live = LiveSimulator(SPEC, SPEC.day_start(30))
    played = live.advance(SPEC.day_start(60))
    history = _history(30)
    assert len(played) / 30 == pytest.approx(len(history) / 30, rel=0.05)
    live_rate = played.groupby("customer_id").size() / 30
    history_rate = history.groupby("customer_id").size() / 30
    both = live_rate.index.intersection(history_rate.index)
    assert np.corrcoef(live_rate[both], history_rate[both])[0, 1] > 0.9


def test_memory_stays_bounded() -> None:
    live = LiveSimulator(SPEC, SPEC.day_start(0))
    live.advance(SPEC.day_start(50))
    cached = live.timeline._raw  # the day cache is what grows in a long-running producer
    assert len(cached) <= LOOKBEHIND_DAYS + 1 + LOOKAHEAD_DAYS
    assert min(cached) >= 49 - LOOKBEHIND_DAYS


def test_bad_clocks_are_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        LiveSimulator(SPEC, dt.datetime(2018, 5, 1))
    with pytest.raises(ValueError, match="before the timeline origin"):
        LiveSimulator(SPEC, SPEC.day_start(0) - dt.timedelta(seconds=1))


def test_non_utc_clock_is_converted() -> None:
    paris = dt.timezone(dt.timedelta(hours=2))
    live = LiveSimulator(SPEC, dt.datetime(2018, 4, 3, 2, 0, tzinfo=paris))
    assert live.clock == SPEC.day_start(2)


def test_stream_part_carries_no_label() -> None:
    frame = LiveSimulator(SPEC, SPEC.day_start(5)).advance(SPEC.day_start(6))
    stream_part, labels = split_labels(frame)
    assert tuple(stream_part.columns) == STREAM_COLUMNS
    assert not set(LABEL_COLUMNS) & set(stream_part.columns)
    assert (labels["tx_id"] == stream_part["tx_id"]).all()
    assert labels["is_fraud"].sum() == frame["is_fraud"].sum()


def test_degenerate_sizes_still_work() -> None:
    """One customer and one terminal: scenario draws shrink to what exists."""
    tiny = SimulationSpec(origin=SPEC.origin, seed=1, customers=1, terminals=1, radius=200.0)
    frame = LiveSimulator(tiny, tiny.day_start(0)).advance(tiny.day_start(20))
    assert (frame["customer_id"] == 0).all() and (frame["terminal_id"] == 0).all()
    assert (frame["fraud_scenario"] >= 2).all()  # the only terminal is compromised every day


def test_take_and_advance_mix_into_the_same_timeline() -> None:
    """take(n) serves count-paced producers; mixed with advance it skips and repeats nothing."""
    live = LiveSimulator(SPEC, SPEC.day_start(30))
    rng = np.random.default_rng(1)
    parts = []
    while live.clock < SPEC.day_start(33):
        if rng.random() < 0.5:
            parts.append(live.take(int(rng.integers(1, 3000))))
        else:
            parts.append(live.advance(live.clock + dt.timedelta(seconds=rng.exponential(5000))))
    parts.append(live.advance(SPEC.day_start(34)))
    played = pd.concat(parts, ignore_index=True)
    expected = Timeline(SPEC).days(30, 34)
    pd.testing.assert_frame_equal(played, expected)


def test_take_moves_clock_to_last_event() -> None:
    live = LiveSimulator(SPEC, SPEC.day_start(3))
    taken = live.take(10)
    assert len(taken) == 10
    assert live.clock == taken["tx_time"].iloc[-1].to_pydatetime()
    assert len(live.take(0)) == 0


def test_take_on_an_empty_timeline_fails_fast() -> None:
    empty = SimulationSpec(origin=SPEC.origin, seed=1, customers=2, terminals=1, radius=0.001)
    with pytest.raises(ValueError, match="timeline is empty"):
        LiveSimulator(empty, empty.day_start(0)).take(1)
