"""Choosing the number of boosting rounds (and the regularisation) over several validation weeks.

One validation week decides badly: its Average Precision moves by points from week to week with
the model unchanged, and a week with few frauds makes early stopping pick a noisy best round,
often far too early. Here the choice is made on time-based folds, each the way the served model
meets data (train on the past, skip the label delay, validate on the week after)::

    fold k:  [start ........ v_k - delay) [gap) [v_k, v_k + val_days)
    v_k = holdout_start - k * val_days,  k = 1 .. folds

so the folds' validation weeks are the weeks before the held-out week, which none of them uses.
Each candidate setting is trained on every fold, recording the validation Average Precision after
each round; the chosen setting and number of rounds maximise the mean over folds (weeks count
alike, whatever their fraud count). A fold stops after ``patience`` rounds without improvement;
its curve is then held at its last value (a curve that has declined for ``patience`` rounds
stands for the rounds after it, so stopping never makes later rounds look better).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import structlog
import xgboost as xgb

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Fold:
    """One time-based fold: fit on ``[start, fit_end)``, validate on ``[val_start, val_end)``."""

    fit_end: pd.Timestamp
    val_start: pd.Timestamp
    val_end: pd.Timestamp


def time_folds(
    holdout_start: pd.Timestamp, folds: int, val_days: int, delay_days: int
) -> list[Fold]:
    """The ``folds`` weeks before ``holdout_start``, newest first (see the module docstring)."""
    week, delay = pd.Timedelta(days=val_days), pd.Timedelta(days=delay_days)
    out = []
    for k in range(1, folds + 1):
        val_start = holdout_start - k * week
        out.append(Fold(val_start - delay, val_start, val_start + week))
    return out


@dataclass(frozen=True)
class FoldData:
    """A fold's matrices (fit rows, validation rows) and its validation frauds."""

    fold: Fold
    fit: xgb.DMatrix
    val: xgb.DMatrix
    val_frauds: int


def ap_curve(params: dict[str, Any], data: FoldData, max_rounds: int, patience: int) -> np.ndarray:
    """Validation Average Precision after each of ``max_rounds`` rounds (held at its last value
    after an early stop)."""
    history: dict[str, dict[str, list[float]]] = {}
    xgb.train(
        params | {"eval_metric": "aucpr"},
        data.fit,
        num_boost_round=max_rounds,
        evals=[(data.val, "validation")],
        early_stopping_rounds=patience,
        evals_result=history,
        verbose_eval=False,
    )
    curve = np.asarray(history["validation"]["aucpr"], dtype=np.float64)
    return np.pad(curve, (0, max_rounds - curve.size), mode="edge")


@dataclass(frozen=True)
class Choice:
    """The setting and rounds chosen, and the evidence."""

    candidate: int
    """Index of the chosen setting among the candidates."""
    rounds: int
    mean_ap: float
    """Mean validation AP over the folds at the chosen rounds."""
    per_candidate: list[dict[str, Any]]
    """For each candidate: its best rounds and mean AP, and each fold's AP there."""


def _summary(per_fold: Sequence[np.ndarray], folds: Sequence[FoldData]) -> dict[str, Any]:
    """One candidate's best rounds by mean AP, and each fold's AP there."""
    mean = np.mean(np.vstack(per_fold), axis=0)
    best = int(np.argmax(mean))
    return {
        "rounds": best + 1,
        "mean_ap": float(mean[best]),
        "folds": [
            {
                "val_start": data.fold.val_start.isoformat(),
                "frauds": data.val_frauds,
                "ap": float(curve[best]),
                "best_rounds": int(np.argmax(curve)) + 1,
            }
            for data, curve in zip(folds, per_fold, strict=True)
        ],
    }


def choose(curves: Sequence[Sequence[np.ndarray]], folds: Sequence[FoldData]) -> Choice:
    """The candidate and rounds with the best mean AP over folds (``curves[c][f]``: candidate
    ``c`` on fold ``f``); ties go to the earlier candidate and the fewer rounds."""
    summary = [_summary(per_fold, folds) for per_fold in curves]
    means = [float(s["mean_ap"]) for s in summary]
    chosen = int(np.argmax(means))  # the first of equal means
    return Choice(chosen, int(summary[chosen]["rounds"]), means[chosen], summary)


def choose_over_folds(
    candidates: Sequence[dict[str, Any]], folds: Sequence[FoldData], max_rounds: int, patience: int
) -> Choice:
    """Train every candidate setting on every fold and :func:`choose`."""
    curves = []
    for params in candidates:
        curves.append([ap_curve(params, data, max_rounds, patience) for data in folds])
    choice = choose(curves, folds)
    log.info(
        "model.rounds_chosen",
        candidate=choice.candidate,
        rounds=choice.rounds,
        mean_ap=round(choice.mean_ap, 4),
        folds=len(folds),
    )
    return choice
