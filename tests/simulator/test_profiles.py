"""Profiles, availability lists, card identities and merchant attributes."""

from __future__ import annotations

import re

import numpy as np
import pytest

from fraudd.simulator import SimulationSpec, make_profiles
from fraudd.simulator.cards import card_last4, card_token, card_tokens
from fraudd.simulator.merchants import ATM_MCC, MCC_WEIGHTS, draw_merchant_attributes


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


def test_card_identity_is_opaque_and_stable() -> None:
    token = card_token(42, 17)
    assert re.fullmatch(r"tok_[a-z]{24}", token)
    assert token == card_token(42, 17) != card_token(43, 17) != card_token(42, 18)
    assert re.fullmatch(r"\d{4}", card_last4(42, 17))
    tokens = card_tokens(42, 5000)
    assert len(set(tokens.tolist())) == 5000
    # No digits at all, so never anything that looks like a card number (13-19 digits).
    assert not any(re.search(r"\d", t) for t in tokens.tolist())


def test_card_token_is_pinned() -> None:
    """Tokens are keyed hashes (no numpy): they must never change across versions."""
    assert card_token(42, 1602) == "tok_dfutyvexwrwqwatqfyaervfa"
    assert card_last4(42, 1602) == "2056"


def test_merchant_attributes_are_consistent() -> None:
    mcc, channel = draw_merchant_attributes(50_000, np.random.default_rng(5))
    assert set(channel.tolist()) == {"pos", "ecom", "atm"}
    assert (mcc[channel == "atm"] == ATM_MCC).all()
    assert set(mcc[channel == "ecom"].tolist()) <= set(MCC_WEIGHTS["ecom"])
    grocery = np.mean(mcc[channel == "pos"] == "5411")
    assert grocery == pytest.approx(MCC_WEIGHTS["pos"]["5411"], abs=0.02)


def test_spec_day_start_is_utc_midnight(small_spec: SimulationSpec) -> None:
    start = small_spec.day_start(3)
    assert start.isoformat() == "2018-04-04T00:00:00+00:00"
