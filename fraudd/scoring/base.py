"""The interface between the consumer and a scoring backend (local model, Redshift ML, SageMaker).

A scorer takes the feature matrix of a batch (columns in :data:`fraudd.features.FEATURES` order,
NaN for missing) and returns one score per row plus reason codes for the rows worth explaining.
Decisions are made from the scores by :func:`fraudd.scoring.decision.decide`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from fraudd.scoring.thresholds import Thresholds
from fraudd.scoring.verdict import Reason


@dataclass(frozen=True)
class ScoreResult:
    """Scores (float64, one per row) and reason codes per row (empty: not explained)."""

    scores: np.ndarray
    reasons: list[tuple[Reason, ...]]

    def __post_init__(self) -> None:
        if len(self.reasons) != len(self.scores):
            raise ValueError("one reasons tuple per score")


class Scorer(Protocol):
    """A model the consumer can score a batch with."""

    version: str
    thresholds: Thresholds

    async def score(self, features: np.ndarray) -> ScoreResult:
        """Score a ``(rows, len(FEATURES))`` matrix; must not block the event loop."""
        ...
