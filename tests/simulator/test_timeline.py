"""One timeline: a spec determines it; days are generated on demand and cached."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from fraudd.simulator import COLUMNS, SimulationSpec, Timeline


def test_spec_day_start_is_utc_midnight(small_spec: SimulationSpec) -> None:
    start = small_spec.day_start(3)
    assert start.isoformat() == "2018-04-04T00:00:00+00:00"


def test_spec_defaults_are_the_handbook_reference() -> None:
    spec = SimulationSpec(origin=dt.date(2018, 4, 1))
    assert (spec.seed, spec.customers, spec.terminals, spec.radius) == (42, 5000, 10000, 5.0)


def test_days_covers_the_half_open_range(small_spec: SimulationSpec) -> None:
    frame = Timeline(small_spec).days(2, 5)
    assert tuple(frame.columns) == COLUMNS
    assert sorted(set(frame["tx_time_days"])) == [2, 3, 4]
    assert frame["tx_time"].min() >= pd.Timestamp(small_spec.day_start(2))
    assert frame["tx_time"].max() < pd.Timestamp(small_spec.day_start(5))
    assert frame["tx_id"].iloc[0].startswith("7-d00002-")  # 7-00002-… held 13 digits


@pytest.mark.parametrize(("first", "last"), [(-1, 3), (4, 2)])
def test_bad_ranges_are_refused(small_spec: SimulationSpec, first: int, last: int) -> None:
    with pytest.raises(ValueError, match="0 <= first <= last"):
        Timeline(small_spec).days(first, last)


def test_genuine_days_are_cached_and_forgotten(small_spec: SimulationSpec) -> None:
    timeline = Timeline(small_spec)
    day = timeline.raw_day(9)
    assert timeline.raw_day(9) is day
    timeline.days(3, 4)  # labelling looks behind and ahead: those days are cached too
    assert {3, 9} <= set(timeline._raw)
    timeline.forget_before(9)
    assert min(timeline._raw) == 9 and timeline.raw_day(9) is day
    regenerated = timeline.raw_day(3)
    assert regenerated.amount.tolist() == Timeline(small_spec).raw_day(3).amount.tolist()


def test_profiles_and_cards_follow_the_spec(small_spec: SimulationSpec) -> None:
    timeline = Timeline(small_spec)
    assert timeline.profiles.n_customers == len(timeline.cards.token) == small_spec.customers
    assert timeline.profiles.n_terminals == small_spec.terminals
    assert timeline.profiles.radius == small_spec.radius
