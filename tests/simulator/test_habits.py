"""Cardholders' habits (the extended mode): drawn as documented, and genuine swipes follow them."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from fraudd.simulator import SimulationSpec, Timeline
from fraudd.simulator.habits import CATEGORIES, USUAL_CATEGORIES, Habits, generate_habitual_day
from fraudd.simulator.merchants import CHANNELS

SPEC = SimulationSpec(dt.date(2018, 4, 1), seed=5, customers=1500, terminals=3000, fraud="extended")


@pytest.fixture(scope="module")
def timeline() -> Timeline:
    return Timeline(SPEC)


@pytest.fixture(scope="module")
def habits(timeline: Timeline) -> Habits:
    assert timeline.habits is not None
    return timeline.habits


def test_habits_are_drawn_as_documented(habits: Habits) -> None:
    k = habits.usual.sum(axis=1)
    assert habits.usual.shape == (SPEC.customers, len(CATEGORIES))
    assert k.min() == USUAL_CATEGORIES[0] and k.max() == USUAL_CATEGORIES[1]
    np.testing.assert_allclose(habits.channel_share.sum(axis=1), 1.0)
    assert habits.channel_share[:, CHANNELS.index("ecom")].mean() == pytest.approx(1 / 6, abs=0.02)
    assert (habits.hour_mean_s >= 9 * 3600).all() and (habits.hour_mean_s <= 19 * 3600).all()


def test_handbook_mode_has_no_habits() -> None:
    handbook = Timeline(SimulationSpec(dt.date(2018, 4, 1), seed=5, customers=50, terminals=90))
    assert handbook.habits is None


def test_genuine_swipes_follow_the_customers_habits(timeline: Timeline, habits: Habits) -> None:
    p = timeline.profiles
    days = [generate_habitual_day(p, habits, SPEC.seed, d) for d in range(30)]
    customer = np.concatenate([d.customer for d in days])
    terminal = np.concatenate([d.terminal for d in days])
    seconds = np.concatenate([d.seconds for d in days])
    mcc, channel = p.merchant_category[terminal], p.channel[terminal]
    usual = [habits.is_usual(c, m) for c, m in zip(customer.tolist(), mcc.tolist(), strict=True)]
    assert np.mean(usual) > 0.95  # the rest: customers with nothing usual in reach
    ecom = np.bincount(customer, weights=channel == "ecom", minlength=SPEC.customers)
    swipes = np.bincount(customer, minlength=SPEC.customers)
    busy = swipes >= 40
    share = habits.channel_share[busy, CHANNELS.index("ecom")]
    assert np.corrcoef(ecom[busy] / swipes[busy], share)[0, 1] > 0.5
    assert (seconds < 6 * 3600).mean() < 0.03  # night swipes are rare for cardholders
    for c in np.unique(customer)[:50]:
        assert np.isin(terminal[customer == c], habits.merchants_of(int(c))).all()
    # In person within the handbook's reach of home; online, anywhere.
    away = np.hypot(p.terminal_x[terminal] - p.customer_x[customer],
                    p.terminal_y[terminal] - p.customer_y[customer])  # fmt: skip
    assert (away[channel != "ecom"] < SPEC.radius).all()
    assert np.median(away[channel == "ecom"]) > 20


def test_habits_are_seeded(habits: Habits) -> None:
    again = Timeline(SPEC).habits
    assert again is not None
    assert np.array_equal(again.usual, habits.usual)
    assert np.array_equal(again.merchants, habits.merchants)
    assert np.array_equal(again.weights, habits.weights)
