"""Review and block thresholds chosen from business targets on validation scores.

* review: investigators can handle ``alerts_per_day`` alerts a day, so the review threshold is
  the score above which the validation days produce that many alerts per day on average;
* block: blocking a card must be right most of the time, so the block threshold is the smallest
  score whose validation precision (frauds among transactions scored at or above it) reaches
  ``block_min_precision`` with at least ``block_min_support`` frauds above it; no such score means
  the model never blocks (None), and the alerts still go to review.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fraudd.scoring.thresholds import Thresholds


@dataclass(frozen=True)
class ThresholdTargets:
    """Business targets; stored in the model metadata next to the thresholds they produced."""

    alerts_per_day: float = 100.0
    block_min_precision: float = 0.9
    block_min_support: int = 10


def review_threshold(scores: np.ndarray, days: float, alerts_per_day: float) -> float | None:
    """Lowest score that keeps the mean number of alerts per day at or below the target."""
    ordered = np.sort(np.asarray(scores, dtype=np.float64))[::-1]
    budget = int(np.floor(alerts_per_day * days))
    if budget <= 0 or ordered.size == 0:
        return None
    if budget >= ordered.size:
        return float(ordered[-1])
    # Ties at the cut would overshoot the budget: move the threshold just above them.
    cut = ordered[budget]
    return float(np.nextafter(cut, np.inf))


def block_threshold(
    scores: np.ndarray, labels: np.ndarray, min_precision: float, min_support: int
) -> float | None:
    """Smallest score whose precision at-or-above reaches ``min_precision`` (None: none does)."""
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="mergesort")
    ranked, hits = np.asarray(scores)[order], np.asarray(labels)[order] > 0
    # Precision of "score >= ranked[i]" counts every row tied with ranked[i]: use group ends.
    last_of_tie = np.r_[ranked[1:] != ranked[:-1], True]
    tp = np.cumsum(hits)[last_of_tie]
    n = (np.flatnonzero(last_of_tie) + 1).astype(np.float64)
    ok = (tp / n >= min_precision) & (tp >= min_support)
    if not ok.any():
        return None
    return float(ranked[last_of_tie][np.flatnonzero(ok)[-1]])


def choose_thresholds(
    scores: np.ndarray, labels: np.ndarray, days: float, targets: ThresholdTargets
) -> Thresholds:
    """Both thresholds for validation ``scores``/``labels`` covering ``days`` days."""
    return Thresholds(
        review=review_threshold(scores, days, targets.alerts_per_day),
        block=block_threshold(
            scores, labels, targets.block_min_precision, targets.block_min_support
        ),
    )
