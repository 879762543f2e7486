"""Fitting the gradient-boosted model: early stopping on a later validation window, then refit.

The holdout model (fit window, early-stopped on validation Average Precision) gives honest
validation scores for metrics, thresholds and the comparison with the active model. The served
model is then refit on the whole training window (fit + gap + validation days) with the same
number of rounds, so that the freshest labelled days are not wasted.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import structlog
import xgboost as xgb

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class FitConfig:
    """Hyper-parameters (modest on purpose: 2 cores, minutes not hours)."""

    max_depth: int = 6
    learning_rate: float = 0.1
    max_rounds: int = 400
    early_stopping_rounds: int = 50
    subsample: float = 0.8
    colsample_bytree: float = 0.8
    min_child_weight: float = 1.0
    scale_pos_weight: float = 1.0
    n_jobs: int = 2
    seed: int = 0
    refit: bool = True

    def xgb_params(self) -> dict[str, Any]:
        """Parameters for ``xgboost.train``."""
        return {
            "objective": "binary:logistic",
            "eval_metric": "aucpr",
            "tree_method": "hist",
            "max_depth": self.max_depth,
            "eta": self.learning_rate,
            "subsample": self.subsample,
            "colsample_bytree": self.colsample_bytree,
            "min_child_weight": self.min_child_weight,
            "scale_pos_weight": self.scale_pos_weight,
            "nthread": self.n_jobs,
            "seed": self.seed,
        }

    def as_dict(self) -> dict[str, Any]:
        """JSON form for model metadata."""
        return asdict(self)


@dataclass(frozen=True)
class Fitted:
    """The served booster, the number of rounds, and the holdout model's validation scores."""

    booster: xgb.Booster
    rounds: int
    val_scores: np.ndarray
    fit_seconds: float
    refit_seconds: float


def _matrix(x: np.ndarray, y: np.ndarray, names: list[str]) -> xgb.DMatrix:
    return xgb.DMatrix(x.astype(np.float32), label=y, feature_names=names, missing=np.nan)


def fit(
    fit_xy: tuple[np.ndarray, np.ndarray],
    val_xy: tuple[np.ndarray, np.ndarray],
    full_xy: tuple[np.ndarray, np.ndarray],
    features: list[str],
    config: FitConfig,
) -> Fitted:
    """Early-stop on ``val_xy`` training on ``fit_xy``; refit on ``full_xy`` if configured."""
    params = config.xgb_params()
    train_m = _matrix(*fit_xy, features)
    val_m = _matrix(*val_xy, features)
    began = time.perf_counter()
    holdout = xgb.train(
        params,
        train_m,
        num_boost_round=config.max_rounds,
        evals=[(val_m, "validation")],
        early_stopping_rounds=config.early_stopping_rounds,
        verbose_eval=False,
    )
    rounds = int(holdout.best_iteration) + 1
    val_scores = holdout.predict(val_m, iteration_range=(0, rounds))
    fit_seconds = time.perf_counter() - began
    log.info("model.fitted", rounds=rounds, rows=int(fit_xy[1].size), seconds=round(fit_seconds, 1))
    if not config.refit:
        return Fitted(_trimmed(holdout, rounds), rounds, val_scores, fit_seconds, 0.0)
    began = time.perf_counter()
    served = xgb.train(params, _matrix(*full_xy, features), num_boost_round=rounds)
    refit_seconds = time.perf_counter() - began
    log.info(
        "model.refitted", rounds=rounds, rows=int(full_xy[1].size), seconds=round(refit_seconds, 1)
    )
    return Fitted(served, rounds, val_scores, fit_seconds, refit_seconds)


def _trimmed(booster: xgb.Booster, rounds: int) -> xgb.Booster:
    """The first ``rounds`` trees only: what early stopping chose, nothing after."""
    return booster[:rounds]
