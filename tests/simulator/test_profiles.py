"""Profiles: customer and terminal draws, availability lists."""

from __future__ import annotations

import numpy as np
import pytest

from fraudd.simulator import make_profiles


def test_profile_distributions() -> None:
    profiles = make_profiles(20_000, 2_000, 5.0, np.random.default_rng(1))
    assert profiles.customer_x.min() >= 0 and profiles.customer_x.max() < 100
    assert profiles.terminal_y.min() >= 0 and profiles.terminal_y.max() < 100
    assert profiles.mean_amount.min() >= 5 and profiles.mean_amount.max() < 100
    assert np.array_equal(profiles.std_amount, profiles.mean_amount / 2)
    assert profiles.mean_nb_tx_per_day.mean() == pytest.approx(2.0, abs=0.05)
    assert profiles.mean_amount.mean() == pytest.approx(52.5, abs=1.0)


def test_availability_equals_brute_force() -> None:
    profiles = make_profiles(200, 3_000, 7.5, np.random.default_rng(3))
    for customer in range(profiles.n_customers):
        distance = np.hypot(
            profiles.terminal_x - profiles.customer_x[customer],
            profiles.terminal_y - profiles.customer_y[customer],
        )
        expected = np.flatnonzero(distance < 7.5)
        assert np.array_equal(profiles.terminals_of(customer), expected)
    assert profiles.available_offsets[-1] == profiles.available_terminals.size


def test_changing_customer_count_keeps_terminals() -> None:
    few = make_profiles(10, 500, 5.0, np.random.default_rng(9))
    many = make_profiles(1000, 500, 5.0, np.random.default_rng(9))
    assert np.array_equal(few.terminal_x, many.terminal_x)
    assert np.array_equal(few.channel, many.channel)


def test_invalid_sizes_are_rejected() -> None:
    with pytest.raises(ValueError):
        make_profiles(0, 10, 5.0, np.random.default_rng(0))
    with pytest.raises(ValueError):
        make_profiles(10, 10, 0.0, np.random.default_rng(0))
