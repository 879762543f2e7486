"""generate_history: the days [0, days) of the timeline its arguments specify."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from fraudd.simulator import SimulationSpec, Timeline, generate_history

START = dt.date(2018, 4, 1)


def test_history_is_the_timeline_of_its_spec() -> None:
    history = generate_history(START, 6, customers=200, terminals=400, seed=5, radius=8.0)
    spec = SimulationSpec(origin=START, seed=5, customers=200, terminals=400, radius=8.0)
    pd.testing.assert_frame_equal(history, Timeline(spec).days(0, 6))
    assert history["tx_time"].is_monotonic_increasing
    assert history["tx_time"].min() >= pd.Timestamp(spec.day_start(0))
    assert history["tx_time"].max() < pd.Timestamp(spec.day_start(6))
    assert history["is_fraud"].sum() > 0  # labelled, scenario 1 at least (amount > 220)


def test_zero_days_is_an_empty_labelled_frame() -> None:
    empty = generate_history(START, 0, customers=50, terminals=100)
    full = generate_history(START, 1, customers=50, terminals=100)
    assert len(empty) == 0 and empty.dtypes.to_dict() == full.dtypes.to_dict()
