"""The plain baseline a new model must beat before it may be activated.

The baseline is what anyone would try first: XGBoost with 300 trees of depth 6 and learning rate
0.1, no early stopping, no subsampling, fed only the Handbook's 15 features (the first 15 of
:data:`fraudd.features.FEATURES`: amount, weekend, night, the card's counts and mean amounts
and the terminal's delayed counts and risks). It is trained on exactly the rows the holdout
model was trained on and scored on the same held-out week, with the same protocol; a model whose
Average Precision there is below the baseline's is registered but not activated (unless forced).
Measured on independent data, fraudd's own training once trailed this baseline (0.80 against
0.86 mean AP), although its features include the baseline's: the check makes such a regression
visible at training time instead of in production.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
import xgboost as xgb

from fraudd.feature_catalog import core
from fraudd.features import FEATURES
from fraudd.model.evaluate import evaluate_scores
from fraudd.model.protocol import EvalWindow

HANDBOOK_FEATURES: Final[tuple[str, ...]] = FEATURES[:15]
"""The Handbook's 15 features: :data:`FEATURES` lists them first."""
FEATURE_SETS: Final[dict[str, tuple[str, ...]]] = {
    "all": (),
    "core": core().features,
    "handbook": HANDBOOK_FEATURES,
}
"""Feature sets ``fraudd train --features`` may fit a model on, by name: every feature of the
configured catalog (empty: no subset), the core 23 of card, terminal, amount and time (to
measure what the rest of the record adds, or to keep a model's inputs across an upgrade), or the
Handbook's 15 (to measure what the other features add), each with the same training."""
BASELINE_ROUNDS = 300


def baseline_params(n_jobs: int, seed: int) -> dict[str, Any]:
    """The plain XGBoost: depth 6, learning rate 0.1, nothing else changed."""
    return {
        "objective": "binary:logistic",
        "tree_method": "hist",
        "max_depth": 6,
        "eta": 0.1,
        "nthread": n_jobs,
        "seed": seed,
    }


def baseline_scores(
    fit_rows: pd.DataFrame, val_rows: pd.DataFrame, n_jobs: int = 2, seed: int = 0
) -> np.ndarray:
    """Scores of the plain baseline, trained on ``fit_rows``, for ``val_rows``."""
    names = list(HANDBOOK_FEATURES)
    train = xgb.DMatrix(
        fit_rows.loc[:, names].to_numpy(np.float32),
        label=fit_rows["is_fraud"].to_numpy(),
        feature_names=names,
        missing=np.nan,
        nthread=n_jobs,
    )
    booster = xgb.train(baseline_params(n_jobs, seed), train, num_boost_round=BASELINE_ROUNDS)
    return np.asarray(booster.inplace_predict(val_rows.loc[:, names].to_numpy(np.float32)))


@dataclass(frozen=True)
class BaselineCheck:
    """The new model against the baseline on the held-out week."""

    model_ap: float
    baseline_ap: float
    model_auc: float
    baseline_auc: float
    rows: int
    frauds: int

    @property
    def passed(self) -> bool:
        """The model's Average Precision is at least the baseline's."""
        return bool(self.model_ap >= self.baseline_ap)

    def as_dict(self) -> dict[str, Any]:
        """JSON form for the model metadata."""
        return {
            "passed": self.passed,
            "model_ap": self.model_ap,
            "baseline_ap": self.baseline_ap,
            "model_auc": self.model_auc,
            "baseline_auc": self.baseline_auc,
            "rows": self.rows,
            "frauds": self.frauds,
            "baseline": f"XGBoost {BASELINE_ROUNDS} trees, depth 6, learning rate 0.1, "
            f"{len(HANDBOOK_FEATURES)} Handbook features, same fit rows",
        }


def check_baseline(
    fit_rows: pd.DataFrame,
    val_rows: pd.DataFrame,
    model_scores: np.ndarray,
    frauds: pd.DataFrame,
    window: EvalWindow,
    n_jobs: int = 2,
) -> BaselineCheck:
    """Train the baseline on ``fit_rows`` and compare on ``val_rows`` (the protocol's
    ``window``, known frauds ``frauds``) with the model's scores there."""
    ours, _ = evaluate_scores(val_rows, model_scores, frauds, window)
    plain = baseline_scores(fit_rows, val_rows, n_jobs)
    theirs, _ = evaluate_scores(val_rows, plain, frauds, window)
    return BaselineCheck(
        model_ap=ours.average_precision,
        baseline_ap=theirs.average_precision,
        model_auc=ours.auc_roc,
        baseline_auc=theirs.auc_roc,
        rows=ours.n_transactions,
        frauds=ours.n_frauds,
    )
