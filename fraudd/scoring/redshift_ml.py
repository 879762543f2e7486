"""The ``redshift-ml`` backend: the prediction function ``CREATE MODEL`` made, called in SQL.

The consumer's serving feature query is wrapped so that Redshift computes features and scores in
one statement (:meth:`fraudd.warehouse.scoring.ScoringOps.model_scores`); no model leaves the
warehouse. Reason codes come from the rules only.
"""

from __future__ import annotations

import numpy as np

from fraudd.features import FEATURES
from fraudd.records import Swipe
from fraudd.scoring.thresholds import Thresholds
from fraudd.settings import Settings
from fraudd.warehouse import Session


class RedshiftMLScoring:
    """Features and scores of a batch, both computed by Redshift."""

    def __init__(self, settings: Settings, thresholds: Thresholds) -> None:
        self.function = settings.scoring.redshift_ml_function
        self.version = f"redshift-ml:{settings.redshift.model_name}"
        self.thresholds = thresholds

    async def features_and_scores(
        self, session: Session, swipes: list[Swipe]
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(features, scores)`` aligned with ``swipes``."""
        tx_ids = [s.tx_id for s in swipes]
        rows = await session.model_scores(swipes, self.function, FEATURES)
        by_id = {row[0]: row[1:] for row in rows}
        table = np.array([by_id[t] for t in tx_ids], dtype=np.float64).reshape(len(tx_ids), -1)
        return table[:, :-1], table[:, -1]
