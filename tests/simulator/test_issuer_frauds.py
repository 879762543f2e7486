"""The issuer's kinds of fraud (scenarios 4-7): each appears, seeded, with its documented signature.

One extended history of 2,000 customers over 60 days (the demo's size) is read per kind: the
kind's swipes must look as :mod:`fraudd.simulator.issuer_frauds` says, and the genuine ones must
not (so the fields carry the signal). Each event generator is also checked swipe by swipe.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from fraudd.simulator import SimulationSpec, Timeline
from fraudd.simulator.habits import COUNTRY_CURRENCIES, country_of
from fraudd.simulator.issuer_frauds import (
    FAR_DISTANCE,
    KINDS,
    SITE_RADIUS,
    World,
    card_testing,
    far_from_home,
    night_spree,
    unusual_cnp,
)

SPEC = SimulationSpec(dt.date(2018, 4, 1), seed=3, customers=2000, terminals=4000, fraud="extended")
DAYS = 60


@pytest.fixture(scope="module")
def timeline() -> Timeline:
    return Timeline(SPEC)


@pytest.fixture(scope="module")
def history(timeline: Timeline) -> pd.DataFrame:
    return timeline.days(0, DAYS)


@pytest.fixture(scope="module")
def world(timeline: Timeline) -> World:
    assert timeline.habits is not None
    return World(timeline.profiles, timeline.habits)


def _rows(history: pd.DataFrame, scenario: int) -> pd.DataFrame:
    rows = history[history["fraud_scenario"] == scenario]
    assert len(rows) > 0, f"scenario {scenario} never happened"
    return rows


def test_every_kind_appears_at_its_rate(history: pd.DataFrame) -> None:
    """Rates scale with the customers: the issuer's kinds add about 0.4 % fraud at any size (the
    handbook's absolute 2 terminals and 3 customers a day weigh more in a small timeline)."""
    counts = history["fraud_scenario"].value_counts()
    scale = SPEC.customers / 5000 * DAYS
    for kind, swipes_per_event in zip(KINDS, (7.5, 6.0, 6.5, 10.0), strict=True):
        expected = kind.per_day * scale * swipes_per_event
        assert 0.5 * expected < counts[kind.scenario] < 1.6 * expected, kind
    assert 0.002 < (history["fraud_scenario"] >= 4).mean() < 0.007
    assert (history["is_fraud"] == (history["fraud_scenario"] > 0)).all()


def test_card_testing_is_small_online_probes_then_one_large_purchase(world: World) -> None:
    for day in range(40):
        times, terminal, amount = card_testing(world, np.random.default_rng(day), 7, day)
        probes = amount[:-1]
        assert 3 <= probes.size <= 10 and (probes < 5.0).all() and amount[-1] >= 250
        assert (world.profiles.channel[terminal] == "ecom").all()
        assert np.unique(terminal[:-1]).size == 1  # one tester merchant
        assert (np.diff(times) > 0).all() and times[-2] - times[0] < 3600 * 2
        assert 3600 <= times[-1] - times[-2] <= 36 * 3600


def test_card_testing_in_the_history_is_card_not_present_and_small(history: pd.DataFrame) -> None:
    rows = _rows(history, 4)
    assert (rows["channel"] == "ecom").all()
    assert (rows["amount"] < 5).mean() > 0.7 and (rows["amount"] >= 250).mean() > 0.05
    genuine = history[history["fraud_scenario"] == 0]
    assert ((genuine["amount"] < 5) & (genuine["channel"] == "ecom")).mean() < 0.01


def test_unusual_cnp_spends_online_at_categories_the_card_never_uses(
    history: pd.DataFrame, timeline: Timeline
) -> None:
    habits = timeline.habits
    assert habits is not None
    rows = _rows(history, 5)
    assert (rows["channel"] == "ecom").all()
    pairs = zip(rows["customer_id"], rows["merchant_category"], strict=True)
    assert not any(habits.is_usual(c, m) for c, m in pairs)
    genuine = history[history["fraud_scenario"] == 0].head(20_000)
    pairs = zip(genuine["customer_id"], genuine["merchant_category"], strict=True)
    assert np.mean([habits.is_usual(c, m) for c, m in pairs]) > 0.95


def test_unusual_cnp_event_spreads_over_at_most_a_week(world: World) -> None:
    for day in range(40):
        times, terminal, _ = unusual_cnp(world, np.random.default_rng(day), 11, day)
        assert 2 <= times.size <= 10 and times[-1] - times[0] < 7 * 86_400
        assert (world.profiles.channel[terminal] == "ecom").all()


def test_far_from_home_swipes_are_in_person_far_away_and_mostly_abroad(
    history: pd.DataFrame, timeline: Timeline
) -> None:
    p, habits = timeline.profiles, timeline.habits
    assert habits is not None
    rows = _rows(history, 6)
    customer = rows["customer_id"].to_numpy()
    dx = rows["terminal_x"] - p.customer_x[customer]
    dy = rows["terminal_y"] - p.customer_y[customer]
    # The site is FAR_DISTANCE away at least; the fraudster stays within SITE_RADIUS of it.
    assert (np.hypot(dx, dy) >= FAR_DISTANCE - SITE_RADIUS).all()
    assert (rows["channel"] != "ecom").all()
    abroad = rows["currency"].to_numpy() != habits.home_currency[customer]
    assert abroad.mean() > 0.6
    atm = rows[rows["channel"] == "atm"]["amount"]
    assert ((atm % 100) == 0).all()
    genuine = history[(history["fraud_scenario"] == 0) & (history["channel"] != "ecom")]
    g = genuine["customer_id"].to_numpy()  # in person, cardholders rarely cross a border
    assert (genuine["currency"].to_numpy() != habits.home_currency[g]).mean() < 0.1


def test_far_from_home_event_stays_at_one_far_site(world: World) -> None:
    p = world.profiles
    for day in range(40):
        _, terminal, _ = far_from_home(world, np.random.default_rng(day), 5, day)
        home = np.array([p.customer_x[5], p.customer_y[5]])
        xy = np.column_stack([p.terminal_x[terminal], p.terminal_y[terminal]])
        assert (np.hypot(*(xy - home).T) >= FAR_DISTANCE - SITE_RADIUS).all()
        assert np.ptp(xy, axis=0).max() < 2 * SITE_RADIUS


def test_night_spree_is_many_swipes_in_one_night_at_the_cardholders_merchants(
    history: pd.DataFrame, timeline: Timeline
) -> None:
    rows = _rows(history, 7)
    hours = rows["tx_time"].dt.hour
    assert (hours < 6).mean() > 0.9
    genuine = history[history["fraud_scenario"] == 0]
    assert (genuine["tx_time"].dt.hour < 6).mean() < 0.03
    habits = timeline.habits
    assert habits is not None
    for customer, terminal in zip(rows["customer_id"], rows["terminal_id"], strict=True):
        assert terminal in habits.merchants_of(customer)  # where the cardholder shops


def test_night_spree_event_has_five_to_fifteen_swipes(world: World) -> None:
    for day in range(40):
        times, _, _ = night_spree(world, np.random.default_rng(day), 3, day)
        assert 5 <= times.size <= 15 and (np.diff(times) >= 120).all()
        assert 1800 <= times[0] - day * 86_400 < 3 * 3600


def test_currencies_are_the_terminals_countries(history: pd.DataFrame) -> None:
    country = country_of(history["terminal_x"].to_numpy(), history["terminal_y"].to_numpy())
    assert (history["currency"].to_numpy() == np.asarray(COUNTRY_CURRENCIES)[country]).all()


def test_extended_ids_are_unique_and_never_meet_the_handbooks(history: pd.DataFrame) -> None:
    assert history["tx_id"].is_unique and history["tx_id"].str.startswith("x").all()
    assert history["tx_id"].is_monotonic_increasing
    assert history["tx_time"].is_monotonic_increasing


def test_a_history_and_its_continuation_are_one_timeline(history: pd.DataFrame) -> None:
    timeline = Timeline(SPEC)
    parts = pd.concat([timeline.days(0, 25), timeline.days(25, DAYS)], ignore_index=True)
    pd.testing.assert_frame_equal(parts, history)
