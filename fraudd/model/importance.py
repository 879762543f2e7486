"""Where a model's detection comes from: each feature's gain, and how often the serving path would
name it among an alert's top reasons.

Gain is XGBoost's: ``gain`` is the mean loss reduction of the splits on the feature,
``gain_share`` its share of the total over all splits (the two rank features differently when a
feature is split on rarely but decisively). The reasons are the ones the consumer gives
(:meth:`fraudd.scoring.local.LocalScorer.explain`), for the test rows at or above the threshold
from which the consumer explains scores.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xgboost as xgb

from fraudd.feature_catalog import Catalog, built_in
from fraudd.model.record import ModelRecord
from fraudd.scoring.local import LocalScorer
from fraudd.scoring.thresholds import Thresholds


@dataclass(frozen=True)
class FeatureImportance:
    """One feature of the model."""

    name: str
    gain: float
    gain_share: float
    top_reason_share: float
    """Share of the explained test rows whose top reasons name this feature."""


def _explained(
    record: ModelRecord,
    frame: pd.DataFrame,
    thresholds: Thresholds,
    reason_codes: int,
    catalog: Catalog,
) -> tuple[int, Counter[str]]:
    """How many rows were explained, and how often each feature was among their reasons."""
    scorer = LocalScorer(
        record, reason_codes=reason_codes, n_jobs=2, thresholds=thresholds, catalog=catalog
    )
    try:
        features = frame.loc[:, list(catalog.features)].to_numpy(np.float64)
        result = scorer.score_sync(features, parallel=True)
    finally:
        scorer.close()
    rows = np.flatnonzero(result.scores >= scorer.explain_from)
    counts: Counter[str] = Counter()
    for row in rows:
        counts.update(reason.code for reason in result.reasons[int(row)])
    return len(rows), counts


def _scores(booster: xgb.Booster, kind: str) -> dict[str, float]:
    """``get_score`` of a tree booster (one number per feature; unused features absent)."""
    out: dict[str, float] = {}
    for name, value in booster.get_score(importance_type=kind).items():
        out[name] = float(value[0] if isinstance(value, list) else value)
    return out


def feature_importance(
    record: ModelRecord,
    frame: pd.DataFrame,
    thresholds: Thresholds,
    reason_codes: int = 3,
    catalog: Catalog | None = None,
) -> list[FeatureImportance]:
    """Every model feature, by decreasing gain share; ``frame`` holds the test rows' features
    of ``catalog`` (default: the built-in one)."""
    booster = record.booster()
    gain = _scores(booster, "gain")
    total = _scores(booster, "total_gain")
    overall = sum(total.values()) or 1.0
    explained, counts = _explained(record, frame, thresholds, reason_codes, catalog or built_in())
    out = [
        FeatureImportance(
            name=name,
            gain=float(gain.get(name, 0.0)),
            gain_share=float(total.get(name, 0.0)) / overall,
            top_reason_share=counts[name] / explained if explained else 0.0,
        )
        for name in record.features
    ]
    return sorted(out, key=lambda f: (-f.gain_share, f.name))
