"""Merchant attributes of terminals: channel shares and the category codes each channel allows."""

from __future__ import annotations

import numpy as np
import pytest

from fraudd.simulator.merchants import (
    ATM_MCC,
    CHANNEL_WEIGHTS,
    CHANNELS,
    MCC_WEIGHTS,
    draw_merchant_attributes,
)


def test_merchant_attributes_are_consistent() -> None:
    mcc, channel = draw_merchant_attributes(50_000, np.random.default_rng(5))
    assert set(channel.tolist()) == {"pos", "ecom", "atm"}
    assert (mcc[channel == "atm"] == ATM_MCC).all()
    assert set(mcc[channel == "ecom"].tolist()) <= set(MCC_WEIGHTS["ecom"])
    grocery = np.mean(mcc[channel == "pos"] == "5411")
    assert grocery == pytest.approx(MCC_WEIGHTS["pos"]["5411"], abs=0.02)


def test_channel_shares_follow_the_weights() -> None:
    _, channel = draw_merchant_attributes(50_000, np.random.default_rng(6))
    for name, weight in zip(CHANNELS, CHANNEL_WEIGHTS, strict=True):
        assert np.mean(channel == name) == pytest.approx(weight, abs=0.01)


def test_no_fuel_pumps_or_tills_online_and_cash_only_at_atms() -> None:
    mcc, channel = draw_merchant_attributes(20_000, np.random.default_rng(7))
    online = set(mcc[channel == "ecom"].tolist())
    assert not online & {"5411", "5812", "5541"}
    assert ATM_MCC not in set(mcc[channel != "atm"].tolist())
    assert mcc.dtype == channel.dtype == np.dtype("<U4")


def test_same_generator_same_attributes() -> None:
    first = draw_merchant_attributes(1_000, np.random.default_rng(8))
    again = draw_merchant_attributes(1_000, np.random.default_rng(8))
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert all(a.size == 0 for a in draw_merchant_attributes(0, np.random.default_rng(8)))
