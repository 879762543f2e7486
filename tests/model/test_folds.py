"""Time-based folds: their layout before the held-out week, the per-round curves, and the
choice by mean Average Precision over folds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fraudd.features import FEATURES
from fraudd.model.fit import matrix
from fraudd.model.folds import Fold, FoldData, ap_curve, choose, time_folds
from tests.model.helpers import synthetic

HOLDOUT = pd.Timestamp("2018-07-24", tz="UTC")


def test_folds_are_the_weeks_before_the_holdout_each_behind_the_label_delay() -> None:
    folds = time_folds(HOLDOUT, folds=3, val_days=7, delay_days=7)
    day = pd.Timedelta(days=1)
    assert [f.val_start for f in folds] == [HOLDOUT - 7 * day, HOLDOUT - 14 * day,
                                            HOLDOUT - 21 * day]  # fmt: skip
    assert all(f.val_end == f.val_start + 7 * day for f in folds)
    assert all(f.fit_end == f.val_start - 7 * day for f in folds)
    assert max(f.val_end for f in folds) == HOLDOUT  # the held-out week is in no fold


def _fold(seed: int) -> FoldData:
    names = list(FEATURES)
    (fx, fy), (vx, vy) = synthetic(2000, seed=seed), synthetic(800, seed=seed + 1)
    fold = Fold(HOLDOUT, HOLDOUT, HOLDOUT)
    return FoldData(fold, matrix(fx, fy, names), matrix(vx, vy, names), int(vy.sum()))


def test_a_curve_has_every_round_and_is_held_after_an_early_stop() -> None:
    params = {"objective": "binary:logistic", "max_depth": 3, "nthread": 1, "seed": 0}
    curve = ap_curve(params, _fold(1), max_rounds=200, patience=5)
    assert curve.shape == (200,)
    assert curve[-1] == curve[-2] == curve[-20]  # an easy signal stops long before 200
    assert curve.max() > 0.95


def test_the_choice_maximises_the_mean_over_folds_not_one_fold() -> None:
    folds = [_fold(1), _fold(3)]
    # Fold 0 alone would pick round 1; the mean peaks at round 3.
    a = [np.array([0.9, 0.5, 0.8, 0.7]), np.array([0.1, 0.5, 0.6, 0.55])]
    b = [np.array([0.5, 0.5, 0.5, 0.5]), np.array([0.5, 0.5, 0.5, 0.5])]
    choice = choose([a, b], folds)
    assert (choice.candidate, choice.rounds) == (0, 3)
    assert choice.mean_ap == pytest.approx(0.7)
    assert [f["best_rounds"] for f in choice.per_candidate[0]["folds"]] == [1, 3]
    assert [f["ap"] for f in choice.per_candidate[0]["folds"]] == [0.8, 0.6]
    better_b = [b[0] + 0.3, b[1] + 0.3]
    assert choose([a, better_b], folds).candidate == 1
    assert choose([a, a], folds).candidate == 0  # a tie goes to the first setting
