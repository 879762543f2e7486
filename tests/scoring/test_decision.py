"""Score -> decision: at or above a threshold counts; a threshold of None disables it."""

from __future__ import annotations

import numpy as np

from fraudd.scoring.decision import decide
from fraudd.scoring.thresholds import Thresholds


def test_thresholds_are_inclusive() -> None:
    scores = np.array([0.0, 0.4999, 0.5, 0.8999, 0.9, 1.0])
    assert decide(scores, Thresholds(review=0.5, block=0.9)) == [
        "approve", "approve", "review", "review", "block", "block",
    ]  # fmt: skip


def test_disabled_thresholds() -> None:
    """Moved from tests/model/test_thresholds.py (test_disabled_thresholds_and_overrides)."""
    assert decide(np.array([0.99]), Thresholds(review=None, block=None)) == ["approve"]


def test_review_only_and_block_only() -> None:
    scores = np.array([0.1, 0.6, 0.99])
    assert decide(scores, Thresholds(review=0.5, block=None)) == ["approve", "review", "review"]
    assert decide(scores, Thresholds(review=None, block=0.95)) == ["approve", "approve", "block"]


def test_block_wins_when_below_the_review_threshold() -> None:
    """A block threshold under the review one still blocks: block is checked first."""
    assert decide(np.array([0.3, 0.6]), Thresholds(review=0.5, block=0.2)) == ["block", "block"]


def test_order_is_kept_and_lists_are_accepted() -> None:
    out = decide([0.95, 0.1, 0.6], Thresholds(review=0.5, block=0.9))  # type: ignore[arg-type]
    assert out == ["block", "approve", "review"]
    assert all(type(d) is str for d in out)  # plain str, not numpy scalars (JSON, SQL)
    assert decide(np.empty(0), Thresholds(review=0.5, block=0.9)) == []


def test_nan_scores_are_approved() -> None:
    """NaN compares false with every threshold: it never reaches review or block."""
    assert decide(np.array([np.nan]), Thresholds(review=0.0, block=0.0)) == ["approve"]
