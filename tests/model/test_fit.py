"""Fitting: the hyper-parameters XGBoost gets, the choice over folds (or early stopping on the
held-out week when no fold fits), the holdout model's scores and the refit."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import xgboost as xgb
from sklearn.metrics import roc_auc_score

from fraudd.features import FEATURES
from fraudd.model.fit import REGULARISATION, FitConfig, FitSets, fit, matrix
from fraudd.model.folds import Fold, FoldData
from tests.model.helpers import synthetic

QUICK = FitConfig(max_depth=3, max_rounds=60, early_stopping_rounds=5, n_jobs=1)
NAMES = list(FEATURES)


def test_xgb_params_carry_every_setting() -> None:
    config = FitConfig(max_depth=4, learning_rate=0.05, subsample=0.7, colsample_bytree=0.6,
                       min_child_weight=2.0, reg_lambda=3.0, scale_pos_weight=3.0, n_jobs=1,
                       seed=9)  # fmt: skip
    assert config.xgb_params() == {
        "objective": "binary:logistic",
        "eval_metric": "aucpr",  # early stopping on Average Precision
        "tree_method": "hist",
        "max_depth": 4,
        "eta": 0.05,
        "subsample": 0.7,
        "colsample_bytree": 0.6,
        "min_child_weight": 2.0,
        "reg_lambda": 3.0,
        "scale_pos_weight": 3.0,
        "nthread": 1,
        "seed": 9,
    }


def test_candidates_are_the_configuration_and_its_regularised_variants() -> None:
    config = FitConfig()
    assert config.candidates()[0] == config.xgb_params()
    assert config.candidates()[1:] == [config.xgb_params() | r for r in REGULARISATION[1:]]
    assert FitConfig(regularise=False).candidates() == [config.xgb_params()]


def test_as_dict_is_the_json_stored_with_the_model() -> None:
    data = json.loads(json.dumps(FitConfig().as_dict()))
    assert FitConfig(**data) == FitConfig()
    assert data["refit"] is True and data["max_rounds"] == 400 and data["folds"] == 3


def _sets(with_folds: bool) -> FitSets:
    (fx, fy), (vx, vy) = synthetic(3000, seed=11), synthetic(1000, seed=12)
    full = matrix(np.vstack([fx, vx]), np.concatenate([fy, vy]), NAMES)
    folds = []
    if with_folds:
        (ax, ay), (bx, by) = synthetic(2000, seed=13), synthetic(800, seed=14)
        fold = Fold(*[pd.Timestamp("2018-07-01", tz="UTC")] * 3)
        folds = [FoldData(fold, matrix(ax, ay, NAMES), matrix(bx, by, NAMES), int(by.sum()))]
    return FitSets(folds, matrix(fx, fy, NAMES), matrix(vx, vy, NAMES), full)


@pytest.fixture(scope="module")
def val_xy() -> tuple[np.ndarray, np.ndarray]:
    return synthetic(1000, seed=12)


def _predict(booster: xgb.Booster, x: np.ndarray) -> np.ndarray:
    return booster.predict(xgb.DMatrix(x.astype(np.float32), feature_names=NAMES))


def test_folds_choose_the_rounds_and_the_holdout_model_scores_the_held_out_week(
    val_xy: tuple[np.ndarray, np.ndarray],
) -> None:
    fitted = fit(_sets(True), FitConfig(**{**QUICK.as_dict(), "refit": False}))
    assert 1 <= fitted.rounds < QUICK.max_rounds  # an easy signal: few rounds suffice
    assert fitted.choice["basis"].startswith("mean validation AP over 1 weeks")
    assert len(fitted.choice["candidates"]) == len(REGULARISATION)
    assert fitted.params == QUICK.candidates()[REGULARISATION.index(fitted.choice["setting"])]
    assert fitted.booster.num_boosted_rounds() == fitted.rounds
    val_x, val_y = val_xy
    np.testing.assert_allclose(_predict(fitted.booster, val_x), fitted.val_scores, rtol=1e-6)
    assert roc_auc_score(val_y, fitted.val_scores) > 0.95  # it learnt the known signal
    assert fitted.refit_seconds == 0.0 and fitted.fit_seconds > 0


def test_without_folds_early_stopping_on_the_held_out_week_chooses_and_says_so() -> None:
    fitted = fit(_sets(False), FitConfig(**{**QUICK.as_dict(), "refit": False}))
    assert "early stopping on the held-out week" in fitted.choice["basis"]
    assert 1 <= fitted.rounds < QUICK.max_rounds


def test_refit_trains_on_the_whole_window_with_the_chosen_rounds(
    val_xy: tuple[np.ndarray, np.ndarray],
) -> None:
    holdout = fit(_sets(True), FitConfig(**{**QUICK.as_dict(), "refit": False}))
    fitted = fit(_sets(True), QUICK)
    assert fitted.rounds == holdout.rounds
    assert fitted.booster.num_boosted_rounds() == fitted.rounds
    np.testing.assert_array_equal(fitted.val_scores, holdout.val_scores)  # the holdout's
    refit = _predict(fitted.booster, val_xy[0])
    assert not np.allclose(refit, holdout.val_scores)  # it has seen the validation rows
    assert fitted.refit_seconds > 0
