"""Threshold selection from business targets, and the decision rule."""

from __future__ import annotations

import numpy as np

from fraudd.model.thresholds import (
    ThresholdTargets,
    block_threshold,
    choose_thresholds,
    review_threshold,
)
from fraudd.scoring.decision import decide


def test_review_threshold_meets_the_alert_budget() -> None:
    rng = np.random.default_rng(0)
    scores = rng.random(7000)
    threshold = review_threshold(scores, days=7, alerts_per_day=100)
    assert threshold is not None
    assert (scores >= threshold).sum() == 700


def test_review_threshold_does_not_overshoot_on_ties() -> None:
    scores = np.array([0.9, 0.5, 0.5, 0.5, 0.1])
    threshold = review_threshold(scores, days=1, alerts_per_day=2)
    assert threshold is not None
    assert (scores >= threshold).sum() == 1  # the tied 0.5s would make 4 alerts


def test_review_threshold_budget_larger_than_data() -> None:
    assert review_threshold(np.array([0.3, 0.2]), days=1, alerts_per_day=10) == 0.2
    assert review_threshold(np.array([0.3]), days=1, alerts_per_day=0) is None


def test_block_threshold_is_smallest_reaching_precision() -> None:
    scores = np.array([0.99, 0.95, 0.9, 0.8, 0.7, 0.6, 0.5])
    labels = np.array([1, 1, 1, 0, 1, 0, 0])
    # precision at-or-above: .99:1, .95:1, .9:1, .8:.75, .7:.8, .6:.67, .5:.57
    assert block_threshold(scores, labels, 0.8, min_support=1) == 0.7
    assert block_threshold(scores, labels, 0.9, min_support=1) == 0.9
    assert block_threshold(scores, labels, 0.9, min_support=4) is None


def test_block_threshold_counts_ties_together() -> None:
    scores = np.array([0.9, 0.9, 0.1])
    labels = np.array([1, 0, 0])
    assert block_threshold(scores, labels, 0.9, min_support=1) is None
    assert block_threshold(scores, labels, 0.5, min_support=1) == 0.9


def test_choose_thresholds_and_decide() -> None:
    scores = np.linspace(0, 1, 1001)
    labels = (scores > 0.95).astype(int)
    found = choose_thresholds(
        scores,
        labels,
        days=1,
        targets=ThresholdTargets(alerts_per_day=100, block_min_precision=0.9, block_min_support=5),
    )
    assert found.review is not None and found.block is not None
    assert 0.89 < found.review < 0.91
    assert 0.94 < found.block < 0.951
    assert decide(np.array([0.1, found.review, found.block]), found) == [
        "approve",
        "review",
        "block",
    ]
