"""Fitting the gradient-boosted model: rounds chosen over several validation weeks, an honest
held-out week, then the refit.

1. The number of rounds and the regularisation are chosen on time-based folds, the weeks before
   the held-out week (:mod:`.folds`); when the training window is too short for any, early
   stopping on the held-out week chooses (and the metadata says so).
2. The holdout model is trained on the rows before the held-out week's label-delay gap with that
   choice: its scores on the held-out week give the validation metrics, the thresholds, and the
   comparisons with the active model and with the plain baseline (:mod:`.baseline`).
3. The served model is refit on the whole training window with the same setting and rounds, so
   that the freshest labelled days are not wasted.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import structlog
import xgboost as xgb

from fraudd.model.folds import Choice, FoldData, choose_over_folds

log = structlog.get_logger(__name__)

REGULARISATION: tuple[dict[str, float], ...] = (
    {},
    {"min_child_weight": 10.0, "reg_lambda": 10.0},
)
"""Settings the folds choose among, as changes to :class:`FitConfig`'s: as configured, and a
more regularised one (leaves need ten times the hessian, weights shrink more) for data whose
signal is weak or whose label-reading features are noise. Not tuned on any dataset: the folds
decide, per training run."""


@dataclass(frozen=True)
class FitConfig:
    """Hyper-parameters (modest on purpose: 2 cores, minutes not hours)."""

    max_depth: int = 6
    learning_rate: float = 0.1
    max_rounds: int = 400
    early_stopping_rounds: int = 50
    """Patience: a fold's curve stops after this many rounds without improvement."""
    subsample: float = 0.8
    colsample_bytree: float = 0.8
    min_child_weight: float = 1.0
    reg_lambda: float = 1.0
    scale_pos_weight: float = 1.0
    n_jobs: int = 2
    seed: int = 0
    refit: bool = True
    folds: int = 3
    """Validation weeks before the held-out week that choose the rounds and regularisation."""
    regularise: bool = True
    """Let the folds choose among :data:`REGULARISATION` (else only this configuration)."""

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
            "reg_lambda": self.reg_lambda,
            "scale_pos_weight": self.scale_pos_weight,
            "nthread": self.n_jobs,
            "seed": self.seed,
        }

    def candidates(self) -> list[dict[str, Any]]:
        """The XGBoost parameters of every setting the folds choose among."""
        settings = REGULARISATION if self.regularise else ({},)
        return [self.xgb_params() | change for change in settings]

    def as_dict(self) -> dict[str, Any]:
        """JSON form for model metadata."""
        return asdict(self)


@dataclass(frozen=True)
class FitSets:
    """The matrices one training run needs."""

    folds: Sequence[FoldData]
    holdout_fit: xgb.DMatrix
    holdout_val: xgb.DMatrix
    full: xgb.DMatrix


@dataclass(frozen=True)
class Fitted:
    """The served booster, the rounds and setting chosen, and the holdout model's scores."""

    booster: xgb.Booster
    rounds: int
    val_scores: np.ndarray
    fit_seconds: float
    refit_seconds: float
    params: dict[str, Any]
    """The chosen setting's XGBoost parameters."""
    choice: dict[str, Any]
    """How the rounds and setting were chosen (stored in the model metadata)."""


def matrix(x: np.ndarray, y: np.ndarray, names: list[str], nthread: int = 2) -> xgb.DMatrix:
    """An XGBoost matrix (NaN = missing)."""
    return xgb.DMatrix(
        x.astype(np.float32), label=y, feature_names=names, missing=np.nan, nthread=nthread
    )


def _early_stopped(config: FitConfig, sets: FitSets) -> tuple[int, dict[str, Any]]:
    """Rounds by early stopping on the held-out week: only when no fold fits the window."""
    booster = xgb.train(
        config.xgb_params(),
        sets.holdout_fit,
        num_boost_round=config.max_rounds,
        evals=[(sets.holdout_val, "validation")],
        early_stopping_rounds=config.early_stopping_rounds,
        verbose_eval=False,
    )
    rounds = int(booster.best_iteration) + 1
    return rounds, {"basis": "early stopping on the held-out week (no earlier week fits)"}


def choose(config: FitConfig, sets: FitSets) -> tuple[dict[str, Any], int, dict[str, Any]]:
    """The XGBoost parameters, rounds and the record of how they were chosen."""
    if not sets.folds:
        rounds, info = _early_stopped(config, sets)
        return config.xgb_params(), rounds, info
    candidates = config.candidates()
    choice: Choice = choose_over_folds(
        candidates, sets.folds, config.max_rounds, config.early_stopping_rounds
    )
    settings = REGULARISATION if config.regularise else ({},)
    info = {
        "basis": f"mean validation AP over {len(sets.folds)} weeks before the held-out week",
        "setting": settings[choice.candidate],
        "mean_ap": choice.mean_ap,
        "candidates": [
            {"setting": s} | c for s, c in zip(settings, choice.per_candidate, strict=True)
        ],
    }
    return candidates[choice.candidate], choice.rounds, info


def fit(sets: FitSets, config: FitConfig) -> Fitted:
    """Choose, fit the holdout model, score the held-out week, refit if configured."""
    began = time.perf_counter()
    params, rounds, info = choose(config, sets)
    holdout = xgb.train(params, sets.holdout_fit, num_boost_round=rounds)
    val_scores = holdout.predict(sets.holdout_val)
    fit_seconds = time.perf_counter() - began
    log.info("model.fitted", rounds=rounds, rows=sets.holdout_fit.num_row(),
             seconds=round(fit_seconds, 1))  # fmt: skip
    if not config.refit:
        return Fitted(holdout, rounds, val_scores, fit_seconds, 0.0, params, info)
    began = time.perf_counter()
    served = xgb.train(params, sets.full, num_boost_round=rounds)
    refit_seconds = time.perf_counter() - began
    log.info("model.refitted", rounds=rounds, rows=sets.full.num_row(),
             seconds=round(refit_seconds, 1))  # fmt: skip
    return Fitted(served, rounds, val_scores, fit_seconds, refit_seconds, params, info)
