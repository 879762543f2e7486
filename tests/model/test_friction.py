"""Friction of the thresholds and recall per fraud scenario, on hand-made scored rows whose
decisions are known (a block declines every later swipe of the card)."""

from __future__ import annotations

import pandas as pd
import pytest

from fraudd.model.friction import decisions, friction, recall_per_scenario
from fraudd.scoring.thresholds import Thresholds

T0 = pd.Timestamp("2018-08-08", tz="UTC")
THRESHOLDS = Thresholds(review=0.5, block=0.9)


def _rows() -> pd.DataFrame:
    """Card a: a legit swipe, a blocking fraud, then a low-scored legit swipe (declined by the
    block). Card b: a reviewed fraud and a reviewed legit swipe. Card c: a legit swipe that
    blocks it. Card d: a missed fraud (scenario 3) and an approved legit swipe."""
    rows = [
        ("t1", "a", 0, 0.2, 0), ("t2", "a", 1, 0.95, 1), ("t3", "a", 2, 0.1, 0),
        ("t4", "b", 0, 0.6, 2), ("t5", "b", 1, 0.7, 0),
        ("t6", "c", 0, 0.92, 0),
        ("t7", "d", 0, 0.3, 3), ("t8", "d", 1, 0.1, 0),
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["tx_id", "card_token", "hour", "score", "scenario"])
    return frame.assign(
        tx_time=T0 + pd.to_timedelta(frame["hour"], unit="h"),
        is_fraud=(frame["scenario"] > 0).astype(int),
    )


def test_a_block_declines_the_later_swipes_of_the_card() -> None:
    made = decisions(_rows(), THRESHOLDS)
    assert made.declined.tolist() == [False, True, True, False, False, True, False, False]
    assert made.reviewed.tolist() == [False, False, False, True, True, False, False, False]
    assert made.blocking.tolist() == [False, True, False, False, False, True, False, False]


def test_friction_counts_what_genuine_cardholders_pay_per_fraud_caught() -> None:
    result = friction(_rows(), THRESHOLDS)
    assert (result.frauds, result.frauds_caught, result.frauds_declined) == (3, 2, 1)
    assert (result.legit_reviewed, result.legit_declined) == (1, 2)  # t5; t3 and t6
    assert result.legit_declined_after_block == 1  # t3: its own score would have passed
    assert result.legit_reviewed_per_fraud_caught == 0.5
    assert result.legit_declined_per_fraud_caught == 1.0
    assert (result.cards_blocked, result.cards_blocked_without_fraud) == (2, 1)  # a; c
    assert (result.review_threshold, result.block_threshold) == (0.5, 0.9)


def test_a_missing_threshold_never_triggers() -> None:
    result = friction(_rows(), Thresholds(review=None, block=None))
    assert (result.frauds_caught, result.legit_reviewed, result.legit_declined) == (0, 0, 0)
    assert result.cards_blocked == 0
    assert result.legit_reviewed_per_fraud_caught is None  # nothing caught: no ratio


def test_recall_per_scenario_uses_the_same_decisions() -> None:
    rows = _rows()
    scenarios = pd.Series({"t2": 1, "t4": 2, "t7": 3})
    recalls = recall_per_scenario(rows, scenarios, THRESHOLDS)
    assert [(r.scenario, r.frauds, r.recall, r.declined_recall) for r in recalls] == [
        (1, 1, 1.0, 1.0),
        (2, 1, 1.0, 0.0),
        (3, 1, 0.0, 0.0),
    ]
    caught = sum(r.recall * r.frauds for r in recalls)
    assert caught == pytest.approx(friction(rows, THRESHOLDS).frauds_caught)


def test_frauds_without_a_scenario_are_left_out() -> None:
    recalls = recall_per_scenario(_rows(), pd.Series({"t2": 1}), THRESHOLDS)
    assert [(r.scenario, r.frauds) for r in recalls] == [(1, 1)]
    assert recall_per_scenario(_rows(), pd.Series(dtype="float64"), THRESHOLDS) == []
