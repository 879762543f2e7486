"""Score thresholds: the review and block cut-offs a model is trained with, and the configured
overrides that take precedence over them (``scoring.review_threshold``, ``block_threshold``).

Stored with each model's metadata by the warehouse, which imports this module (it imports
nothing of scoring's own).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fraudd.settings import ScoringSettings


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

    def configured(self, scoring: ScoringSettings) -> Thresholds:
        """The thresholds a scorer uses: these, overridden by what ``scoring`` configures."""
        return self.overridden(scoring.review_threshold, scoring.block_threshold)
