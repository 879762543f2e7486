"""The activation rules: compare on validation rows the active model never saw, else against its
stored validation AP with a small margin; and beat the plain baseline on the held-out week."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from fraudd.features import FEATURES
from fraudd.model.activation import activation_rule, compare_with_active, refusal_line
from fraudd.model.baseline import BaselineCheck
from fraudd.model.evaluate import evaluate_scores
from fraudd.model.fit import Fitted
from fraudd.model.protocol import EvalWindow
from fraudd.model.train import TrainedModel
from fraudd.scoring.thresholds import Thresholds
from tests.model.helpers import record, synthetic

VAL_START = pd.Timestamp("2018-05-17", tz="UTC")


def trained_with(
    scores: np.ndarray, x: np.ndarray, y: np.ndarray, baseline: BaselineCheck | None = None
) -> TrainedModel:
    frame = pd.DataFrame(x, columns=list(FEATURES)).assign(
        is_fraud=y,
        card_token=[f"c{i}" for i in range(len(y))],
        tx_time=VAL_START + pd.to_timedelta(np.arange(len(y)) % (7 * 86400), unit="s"),
    )
    no_frauds = pd.DataFrame({"tx_time": pd.to_datetime([], utc=True), "card_token": []})
    validation, _ = evaluate_scores(frame, scores, no_frauds, EvalWindow(VAL_START))
    fitted = Fitted(
        booster=None,
        rounds=1,
        val_scores=scores,  # type: ignore[arg-type]
        fit_seconds=0.0,
        refit_seconds=0.0,
        params={},
        choice={},
    )
    return TrainedModel(fitted, Thresholds(None, None), validation, frame, {}, baseline)


def test_compares_both_models_on_rows_the_active_model_never_saw() -> None:
    x, y = synthetic(3000, seed=5)
    active = record({"review": 0.5, "block": None})
    active.metadata["training_window"] = {"end": "2018-05-01T00:00:00+00:00"}
    noise = np.random.default_rng(0).random(len(y))
    perfect = trained_with(y * 0.9 + 0.05, x, y)
    useless = trained_with(noise, x, y)
    ok, info = compare_with_active(perfect, active)
    assert ok and info["basis"].startswith("both models on 3000 validation rows")
    assert info["new_ap"] == 1.0 and info["active_ap"] > 0.8
    rejected, info = compare_with_active(useless, active)
    assert not rejected and "kept inactive" in info["reason"]


def test_falls_back_to_the_stored_ap_when_the_active_model_saw_the_validation_days() -> None:
    x, y = synthetic(3000, seed=6)
    active = record({"review": 0.5, "block": None})
    active.metadata["training_window"] = {"end": "2018-05-24T00:00:00+00:00"}
    active.metadata["validation"] = {"average_precision": 0.9}
    candidate = trained_with(np.where(y > 0, 0.8, 0.2), x, y)  # AP 1.0
    ok, info = compare_with_active(candidate, active)
    assert info["margin"] == 0.02 and info["basis"].startswith("active model's stored")
    assert ok  # AP 1.0 >= 0.9
    active.metadata["validation"] = {"average_precision": 1.01}
    assert compare_with_active(candidate, active)[0]  # within the margin
    active.metadata["validation"] = {"average_precision": 1.05}
    assert not compare_with_active(candidate, active)[0]


def _check(model_ap: float, baseline_ap: float) -> BaselineCheck:
    return BaselineCheck(model_ap, baseline_ap, 0.9, 0.9, rows=3000, frauds=40)


def test_a_model_below_the_baseline_is_kept_inactive_even_with_no_active_model() -> None:
    x, y = synthetic(3000, seed=5)
    scores = y * 0.9 + 0.05
    ok, info = activation_rule(trained_with(scores, x, y, _check(0.8, 0.8)), None)
    assert ok and info["reason"] == "no active model"  # as good as the baseline: enough
    refused, info = activation_rule(trained_with(scores, x, y, _check(0.79, 0.8)), None)
    assert not refused
    assert info["reason"] == "held-out AP below the plain baseline: kept inactive"


def test_the_refusal_is_one_line_saying_what_to_do() -> None:
    model = record({"review": 0.5, "block": None}, version=4)
    model.metadata["baseline"] = _check(0.7, 0.75).as_dict()
    inactive = dataclasses.replace(model, active=False)
    line = refusal_line(inactive)
    assert line is not None and "\n" not in line
    assert line.startswith("model 4 registered but not activated: its held-out Average Precision")
    assert "0.7000 is below the plain baseline's 0.7500" in line
    assert "`fraudd model activate 4`" in line and "--force-activate" in line
    assert refusal_line(model) is None  # active (forced): nothing refused
    model.metadata["baseline"] = _check(0.8, 0.75).as_dict()
    assert refusal_line(dataclasses.replace(model, active=False)) is None  # another rule
