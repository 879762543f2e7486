"""One day of genuine transactions: the handbook's draws, in canonical order, from the day's own
stream. The reference-size statistics are tests/simulator/test_fidelity.py."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from fraudd.simulator import SimulationSpec, Timeline, make_profiles
from fraudd.simulator.days import SECONDS_PER_DAY, generate_raw_day
from fraudd.simulator.profiles import Profiles

ORIGIN = dt.date(2018, 4, 1)


@pytest.fixture(scope="module")
def profiles() -> Profiles:
    return make_profiles(400, 800, 10.0, np.random.default_rng(4))


def test_a_day_is_a_pure_function_of_profiles_seed_and_day(profiles: Profiles) -> None:
    first, again = generate_raw_day(profiles, 7, 3), generate_raw_day(profiles, 7, 3)
    for name in ("seconds", "customer", "terminal", "amount"):
        np.testing.assert_array_equal(getattr(first, name), getattr(again, name))
    other = generate_raw_day(profiles, 7, 4)
    assert other.day == 4 and not np.array_equal(other.amount[:50], first.amount[:50])


def test_canonical_order_is_time_then_customer(profiles: Profiles) -> None:
    raw = generate_raw_day(profiles, 7, 0)
    assert len(raw) == raw.customer.size == raw.terminal.size == raw.amount.size > 500
    key = raw.seconds * profiles.n_customers + raw.customer
    assert (np.diff(key) >= 0).all()
    assert raw.seconds.min() >= 1 and raw.seconds.max() <= SECONDS_PER_DAY - 1


def test_amounts_are_cents_with_a_one_cent_floor(profiles: Profiles) -> None:
    raw = generate_raw_day(profiles, 7, 1)
    cents = raw.amount * 100
    np.testing.assert_allclose(cents, np.round(cents), atol=1e-6)
    assert raw.amount.min() >= 0.01
    assert raw.seconds.dtype == raw.customer.dtype == raw.terminal.dtype == np.int64


def test_each_customer_uses_only_available_terminals(profiles: Profiles) -> None:
    raw = generate_raw_day(profiles, 7, 2)
    for customer, terminal in zip(raw.customer[:300], raw.terminal[:300], strict=True):
        assert terminal in profiles.terminals_of(int(customer))


def test_customers_without_terminals_do_not_transact() -> None:
    """Moved from tests/simulator/test_continuation.py."""
    lonely = SimulationSpec(origin=ORIGIN, seed=1, customers=50, terminals=20, radius=3.0)
    timeline = Timeline(lonely)
    frame = timeline.days(0, 10)
    idle = np.flatnonzero(timeline.profiles.nb_available == 0)
    assert idle.size > 0
    assert not frame["customer_id"].isin(idle).any()
    assert len(timeline.days(4, 4)) == 0
