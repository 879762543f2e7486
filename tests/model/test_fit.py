"""Fitting: the hyper-parameters XGBoost gets, early stopping on the validation window, and the
refit on the whole training window with the rounds early stopping chose."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xgboost as xgb
from sklearn.metrics import roc_auc_score

from fraudd.features import FEATURES
from fraudd.model.fit import FitConfig, fit
from tests.model.helpers import synthetic

QUICK = FitConfig(max_depth=3, max_rounds=60, early_stopping_rounds=5, n_jobs=1)


def test_xgb_params_carry_every_setting() -> None:
    config = FitConfig(max_depth=4, learning_rate=0.05, subsample=0.7, colsample_bytree=0.6,
                       min_child_weight=2.0, scale_pos_weight=3.0, n_jobs=1, seed=9)  # fmt: skip
    assert config.xgb_params() == {
        "objective": "binary:logistic",
        "eval_metric": "aucpr",  # early stopping on Average Precision
        "tree_method": "hist",
        "max_depth": 4,
        "eta": 0.05,
        "subsample": 0.7,
        "colsample_bytree": 0.6,
        "min_child_weight": 2.0,
        "scale_pos_weight": 3.0,
        "nthread": 1,
        "seed": 9,
    }


def test_as_dict_is_the_json_stored_with_the_model() -> None:
    data = json.loads(json.dumps(FitConfig().as_dict()))
    assert FitConfig(**data) == FitConfig()
    assert data["refit"] is True and data["max_rounds"] == 400


@pytest.fixture(scope="module")
def windows() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    fit_xy, val_xy = synthetic(3000, seed=11), synthetic(1000, seed=12)
    full_xy = (np.vstack([fit_xy[0], val_xy[0]]), np.concatenate([fit_xy[1], val_xy[1]]))
    return {"fit": fit_xy, "val": val_xy, "full": full_xy}


def _predict(booster: xgb.Booster, x: np.ndarray) -> np.ndarray:
    return booster.predict(xgb.DMatrix(x.astype(np.float32), feature_names=list(FEATURES)))


def test_without_refit_the_served_model_is_the_early_stopped_one(
    windows: dict[str, tuple[np.ndarray, np.ndarray]],
) -> None:
    fitted = fit(windows["fit"], windows["val"], windows["full"], list(FEATURES),
                 FitConfig(**{**QUICK.as_dict(), "refit": False}))  # fmt: skip
    assert 1 <= fitted.rounds < QUICK.max_rounds  # an easy signal: it stops early
    assert fitted.booster.num_boosted_rounds() == fitted.rounds  # trees after the best dropped
    val_x, val_y = windows["val"]
    np.testing.assert_allclose(_predict(fitted.booster, val_x), fitted.val_scores, rtol=1e-6)
    assert roc_auc_score(val_y, fitted.val_scores) > 0.95  # it learnt the known signal
    assert fitted.refit_seconds == 0.0 and fitted.fit_seconds > 0


def test_refit_trains_on_the_whole_window_with_the_chosen_rounds(
    windows: dict[str, tuple[np.ndarray, np.ndarray]],
) -> None:
    holdout = fit(windows["fit"], windows["val"], windows["full"], list(FEATURES),
                  FitConfig(**{**QUICK.as_dict(), "refit": False}))  # fmt: skip
    fitted = fit(windows["fit"], windows["val"], windows["full"], list(FEATURES), QUICK)
    assert fitted.rounds == holdout.rounds
    assert fitted.booster.num_boosted_rounds() == fitted.rounds
    np.testing.assert_array_equal(fitted.val_scores, holdout.val_scores)  # the holdout's
    val_x, _ = windows["val"]
    refit = _predict(fitted.booster, val_x)
    assert not np.allclose(refit, holdout.val_scores)  # it has seen the validation rows
    assert fitted.refit_seconds > 0
