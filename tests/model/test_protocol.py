"""The handbook's evaluation protocol on hand-built data (pure logic, no database)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from fraudd.model.protocol import (
    EvalWindow,
    card_precision_top_k,
    pooled_scores,
    remove_known_compromised,
)

WINDOW = EvalWindow.of("2018-08-08", test_days=3, delay_days=7, known_days=7)


def at(day: str, hour: int = 12) -> pd.Timestamp:
    return pd.Timestamp(f"{day} {hour:02d}:00", tz="UTC")


def frame(rows: list[tuple[str, str, int, float]]) -> pd.DataFrame:
    """(day, card, is_fraud, score) rows."""
    return pd.DataFrame(
        {
            "tx_time": [at(d) for d, *_ in rows],
            "card_token": [c for _, c, *_ in rows],
            "is_fraud": [f for _, _, f, _ in rows],
            "score": [s for *_, s in rows],
        }
    )


def test_window_dates_match_the_handbook() -> None:
    # Handbook: train 2018-07-25..31, delay 08-01..07, test from 08-08.
    assert WINDOW.known_start == pd.Timestamp("2018-07-25", tz="UTC")
    assert WINDOW.test_end == pd.Timestamp("2018-08-11", tz="UTC")


def test_known_compromised_cards_are_removed_per_test_day() -> None:
    frauds = pd.DataFrame(
        {
            "tx_time": [at("2018-07-24"), at("2018-07-25"), at("2018-08-01"), at("2018-08-02")],
            "card_token": ["before", "train", "delay1", "delay2"],
        }
    )
    test = frame(
        [
            (day, card, 0, 0.1)
            for day in ("2018-08-08", "2018-08-09", "2018-08-10")
            for card in ("before", "train", "delay1", "delay2", "clean")
        ]
        + [("2018-08-11", "clean", 0, 0.1)]
    )  # after the test period: dropped
    kept = remove_known_compromised(test, frauds, WINDOW)
    by_day = kept.groupby(kept["tx_time"].dt.day)["card_token"].apply(set).to_dict()
    # Fraud before the known period: never known. Training-period fraud: known from day 0.
    # A fraud on the first delay day (08-01) is known from test day 1 (08-09) on, etc.
    assert by_day[8] == {"before", "delay1", "delay2", "clean"}
    assert by_day[9] == {"before", "delay2", "clean"}
    assert by_day[10] == {"before", "clean"}
    assert 11 not in by_day


def test_card_precision_groups_by_card_and_skips_detected_cards() -> None:
    scored = frame(
        [
            # day 0: card a (fraud) twice, b genuine high, c fraud low
            ("2018-08-08", "a", 0, 0.9),
            ("2018-08-08", "a", 1, 0.2),
            ("2018-08-08", "b", 0, 0.8),
            ("2018-08-08", "c", 1, 0.1),
            # day 1: a again (already detected: ignored), c now ranks first
            ("2018-08-09", "a", 1, 0.99),
            ("2018-08-09", "c", 1, 0.7),
            ("2018-08-09", "b", 0, 0.6),
            # day 2: nothing
        ]
    )
    per_day = card_precision_top_k(scored, WINDOW, k=2)
    # day 0: top-2 cards a (max label 1) and b -> 1/2; day 1: c and b -> 1/2; day 2: 0/2.
    assert per_day == [0.5, 0.5, 0.0]


def test_card_precision_divides_by_k_even_with_fewer_cards() -> None:
    scored = frame([("2018-08-08", "a", 1, 0.5)])
    assert card_precision_top_k(scored, WINDOW, k=100)[0] == 0.01


def test_pooled_scores() -> None:
    auc, ap = pooled_scores(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    assert auc == 0.75
    assert math.isclose(ap, (1 / 1 + 2 / 3) / 2)
    nan_auc, nan_ap = pooled_scores(np.array([0, 0]), np.array([0.1, 0.2]))
    assert math.isnan(nan_auc) and math.isnan(nan_ap)
