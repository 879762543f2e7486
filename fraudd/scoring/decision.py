"""Model score -> decision: block at or above the block threshold, else review at or above the
review threshold, else approve. A threshold of None disables that decision."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from fraudd.scoring.verdict import Decision


@dataclass(frozen=True)
class Thresholds:
    """Score thresholds in [0, 1]; chosen at training time and stored with the model."""

    review: float | None
    block: float | None

    def as_dict(self) -> dict[str, float | None]:
        """JSON form, as stored in model metadata."""
        return {"review": self.review, "block": self.block}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Thresholds:
        """Inverse of :meth:`as_dict`."""
        review, block = data.get("review"), data.get("block")
        return cls(
            review=None if review is None else float(review),
            block=None if block is None else float(block),
        )

    def overridden(self, review: float | None, block: float | None) -> Thresholds:
        """These thresholds with configured overrides (``None`` keeps the model's value)."""
        return Thresholds(
            review=self.review if review is None else review,
            block=self.block if block is None else block,
        )


def decide(scores: np.ndarray, thresholds: Thresholds) -> list[Decision]:
    """One decision per score, in order."""
    values = np.asarray(scores, dtype=np.float64)
    never = np.inf  # a disabled threshold is one no score reaches
    block = values >= (never if thresholds.block is None else thresholds.block)
    review = values >= (never if thresholds.review is None else thresholds.review)
    out = np.where(block, "block", np.where(review, "review", "approve"))
    decisions: list[Decision] = out.tolist()
    return decisions
