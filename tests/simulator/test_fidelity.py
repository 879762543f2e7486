"""The simulator reproduces the handbook's model and its published statistics.

Published for the handbook's 183-day dataset: 1,754,155 transactions, 14,681 frauds (0.837 %),
of which scenario 1 / 2 / 3 make about 7 % / 62 % / 31 %, about 9,600 transactions a day.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from fraudd.simulator import COLUMNS, Profiles
from fraudd.simulator.days import SECONDS_PER_DAY, TIME_MEAN_S, TIME_STD_S
from fraudd.simulator.frauds import AMOUNT_THRESHOLD

History = tuple[pd.DataFrame, float]
REFERENCE_DAYS = 183
ORIGIN = pd.Timestamp("2018-04-01", tz="UTC")


def test_reference_size_generates_fast(reference_history: History) -> None:
    frame, seconds = reference_history
    assert 1_650_000 < len(frame) < 1_850_000
    assert seconds < 30, f"reference history took {seconds:.1f} s"


def test_transactions_per_day_match_handbook(reference_history: History) -> None:
    frame, _ = reference_history
    per_day = frame.groupby("tx_time_days").size()
    assert len(per_day) == REFERENCE_DAYS
    assert per_day.mean() == pytest.approx(9600, rel=0.03)


def test_transactions_per_day_match_model_expectation(
    reference_history: History, reference_profiles: Profiles
) -> None:
    """Poisson(mean per day) per customer, minus the times that fall outside the day."""
    frame, _ = reference_history
    kept = norm.cdf(SECONDS_PER_DAY, TIME_MEAN_S, TIME_STD_S) - norm.cdf(1, TIME_MEAN_S, TIME_STD_S)
    active = reference_profiles.nb_available > 0
    expected = reference_profiles.mean_nb_tx_per_day[active].sum() * kept
    assert len(frame) / REFERENCE_DAYS == pytest.approx(expected, rel=0.01)


def test_fraud_rate_matches_handbook(reference_history: History) -> None:
    frame, _ = reference_history
    assert frame["is_fraud"].mean() * 100 == pytest.approx(0.837, abs=0.1)
    steady = frame[frame["tx_time_days"] >= 28].groupby("tx_time_days")["is_fraud"].sum()
    assert steady.mean() == pytest.approx(80, rel=0.15)


def test_fraud_scenario_shares_match_handbook(reference_history: History) -> None:
    frame, _ = reference_history
    frauds = frame[frame["is_fraud"] == 1]
    shares = frauds["fraud_scenario"].value_counts(normalize=True) * 100
    assert set(shares.index) == {1, 2, 3}
    assert shares[1] == pytest.approx(7, abs=3)
    assert shares[2] == pytest.approx(62, abs=3)
    assert shares[3] == pytest.approx(31, abs=3)
    assert ((frame["is_fraud"] == 1) == (frame["fraud_scenario"] > 0)).all()


def test_terminals_per_customer_match_geometry(reference_profiles: Profiles) -> None:
    """r = 5 on a 100 x 100 map: E|disc ∩ square| = πr² - 8r³/(3L) + r⁴/(2L²) ≈ 75.2 terminals.

    (The "about 100" sometimes quoted is the disc area without edges rounded up; π·25 = 78.5.)
    """
    r, side = 5.0, 100.0
    area = math.pi * r**2 - 8 * r**3 / (3 * side) + r**4 / (2 * side**2)
    expected = area / side**2 * reference_profiles.n_terminals
    assert reference_profiles.nb_available.mean() == pytest.approx(expected, rel=0.03)


def test_columns_and_types(reference_history: History) -> None:
    frame, _ = reference_history
    assert tuple(frame.columns) == COLUMNS
    assert str(frame["tx_time"].dtype) == "datetime64[us, UTC]"
    for name in ("customer_id", "terminal_id", "tx_time_seconds", "tx_time_days"):
        assert frame[name].dtype == np.int64
    assert frame["is_fraud"].dtype == np.int8 and frame["fraud_scenario"].dtype == np.int8
    assert frame["amount"].dtype == np.float64
    assert frame["tx_id"].is_unique
    assert frame["tx_time"].is_monotonic_increasing
    assert (frame["currency"] == "EUR").all()


def test_transactions_follow_the_model(reference_history: History) -> None:
    frame, _ = reference_history
    second = frame["tx_time_seconds"] - frame["tx_time_days"] * SECONDS_PER_DAY
    assert second.between(1, SECONDS_PER_DAY - 1).all()
    expected_time = ORIGIN + pd.to_timedelta(frame["tx_time_seconds"], "s")
    assert (frame["tx_time"] == expected_time).all()
    cents = frame["amount"] * 100
    assert np.allclose(cents, np.round(cents), atol=1e-6)
    assert (frame["amount"] >= 0).all()
    assert (frame.loc[frame["fraud_scenario"] == 1, "amount"] > AMOUNT_THRESHOLD).all()
    genuine = frame[frame["fraud_scenario"] == 0]
    assert (genuine["amount"] <= AMOUNT_THRESHOLD).all()


def test_customers_use_only_terminals_within_radius(
    reference_history: History, reference_profiles: Profiles
) -> None:
    frame, _ = reference_history
    customer, terminal = frame["customer_id"].to_numpy(), frame["terminal_id"].to_numpy()
    distance = np.hypot(
        reference_profiles.customer_x[customer] - reference_profiles.terminal_x[terminal],
        reference_profiles.customer_y[customer] - reference_profiles.terminal_y[terminal],
    )
    assert distance.max() < 5.0
    assert np.array_equal(frame["terminal_x"].to_numpy(), reference_profiles.terminal_x[terminal])


def test_customer_amounts_follow_profile(
    reference_history: History, reference_profiles: Profiles
) -> None:
    """Genuine amounts average the customer's mean (truncation at 0 shifts it up slightly)."""
    frame, _ = reference_history
    genuine = frame[frame["fraud_scenario"].isin([0, 2])]
    mean_by_customer = genuine.groupby("customer_id")["amount"].mean()
    busy = genuine.groupby("customer_id").size() >= 200
    ratio = mean_by_customer[busy] / reference_profiles.mean_amount[mean_by_customer[busy].index]
    assert ratio.median() == pytest.approx(1.0, abs=0.03)


def test_merchant_attributes(reference_history: History, reference_profiles: Profiles) -> None:
    frame, _ = reference_history
    channel_share = pd.Series(reference_profiles.channel).value_counts(normalize=True)
    assert channel_share["pos"] == pytest.approx(0.80, abs=0.02)
    assert channel_share["ecom"] == pytest.approx(0.15, abs=0.02)
    atm = frame["channel"] == "atm"
    assert (frame.loc[atm, "merchant_category"] == "6011").all()
    assert (frame.loc[~atm, "merchant_category"] != "6011").all()
    assert frame["merchant_category"].str.fullmatch(r"\d{4}").all()
