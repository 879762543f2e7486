"""Model score -> decision: block at or above the block threshold, else review at or above the
review threshold, else approve. A threshold of None disables that decision."""

from __future__ import annotations

import numpy as np

from fraudd.scoring.thresholds import Thresholds
from fraudd.scoring.verdict import Decision


def decide(scores: np.ndarray, thresholds: Thresholds) -> list[Decision]:
    """One decision per score, in order."""
    values = np.asarray(scores, dtype=np.float64)
    never = np.inf  # a disabled threshold is one no score reaches
    block = values >= (never if thresholds.block is None else thresholds.block)
    review = values >= (never if thresholds.review is None else thresholds.review)
    out = np.where(block, "block", np.where(review, "review", "approve"))
    decisions: list[Decision] = out.tolist()
    return decisions
