"""Training on a small simulated history and the registry's activation rule, against real
PostgreSQL (evaluating the model: tests/model/test_evaluate.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from fraudd.features import FEATURES, KEYS
from fraudd.model.baseline import FEATURE_SETS, HANDBOOK_FEATURES
from fraudd.model.evaluate import model_scores
from fraudd.model.fit import FitConfig
from fraudd.model.train import TrainConfig, feature_names, train_and_register
from tests.model.fixtures import ModelDb, load_history

CONFIG = TrainConfig(
    train_end=dt.datetime(2018, 5, 24, tzinfo=dt.UTC),
    train_days=40,
    val_days=7,
    fit=FitConfig(max_rounds=80, early_stopping_rounds=20),
)
WEAK = dataclasses.replace(CONFIG, fit=FitConfig(max_depth=1, max_rounds=1, refit=False))


async def test_train_register_and_activation_rule(
    model_db: ModelDb, small_history: pd.DataFrame
) -> None:
    async with model_db.wh.session() as session:
        await load_history(session.conn, model_db.schema, small_history)
        first, trained = await train_and_register(session, CONFIG)
        weak, _ = await train_and_register(session, WEAK)
        active = await session.active_model()
        listed = await session.list_models()
    assert (first.version, first.active) == (1, True)
    meta = first.metadata
    assert meta["features"] == list(FEATURES)
    assert meta["training_window"]["start"] == "2018-04-14T00:00:00+00:00"
    assert meta["validation"]["auc_roc"] > 0.7
    assert meta["validation"]["average_precision"] > 0.3
    assert meta["thresholds"]["review"] is not None
    # Rounds chosen on the weeks before the held-out week; the baseline beaten on it.
    assert meta["rounds_choice"]["basis"].startswith("mean validation AP over 3 weeks")
    assert meta["hyperparameters"]["rounds"] == trained.fitted.rounds
    assert meta["baseline"]["passed"] and meta["baseline"]["frauds"] > 0
    assert meta["baseline"]["model_ap"] == pytest.approx(meta["validation"]["average_precision"])
    assert meta["activation"] == {
        "reason": "no active model",
        "activated": True,
        "forced": False,
        "new_ap": pytest.approx(meta["validation"]["average_precision"]),
    }
    # The stored artifact is the trained booster.
    x = trained.val_frame.loc[:, list(FEATURES)].to_numpy(np.float32)
    np.testing.assert_allclose(
        first.booster().inplace_predict(x), trained.fitted.booster.inplace_predict(x)
    )
    # A model below the plain baseline is registered but kept inactive, with the reason.
    assert (weak.version, weak.active) == (2, False)
    assert weak.metadata["activation"]["compared_with"] == 1
    assert weak.metadata["activation"]["reason"] == (
        "held-out AP below the plain baseline: kept inactive"
    )
    assert not weak.metadata["baseline"]["passed"]
    assert active is not None and active.version == 1
    assert [(m.version, m.active, m.artifact) for m in listed] == [
        (1, True, None),
        (2, False, None),
    ]


async def test_a_model_fitted_on_the_handbooks_15_features_reads_only_them(
    model_db: ModelDb, small_history: pd.DataFrame
) -> None:
    handbook = dataclasses.replace(CONFIG, features=HANDBOOK_FEATURES)
    async with model_db.wh.session() as session:
        await load_history(session.conn, model_db.schema, small_history)
        record, trained = await train_and_register(session, handbook, activate=True)
    assert record.features == HANDBOOK_FEATURES and len(record.features) == 15
    assert trained.fitted.booster.num_features() == 15
    # Scored by name from the full feature rows, as evaluation and the consumer do: the other
    # features do not move the score.
    rows = trained.val_frame.head(50)
    others = rows.assign(**{f: 1e6 for f in FEATURES if f not in HANDBOOK_FEATURES})
    np.testing.assert_array_equal(model_scores(record, rows), model_scores(record, others))
    assert record.metadata["validation"]["auc_roc"] > 0.7


def test_a_feature_set_the_catalog_does_not_compute_is_named() -> None:
    # The Handbook's 15 computed, the core 23 asked for: a ValueError (one line from
    # `fraudd train`), not a KeyError from deep in pandas.
    frame = pd.DataFrame(columns=[*KEYS, *HANDBOOK_FEATURES, "is_fraud"])
    core = dataclasses.replace(CONFIG, features=FEATURE_SETS["core"])
    with pytest.raises(ValueError, match=f"does not compute '{FEATURES[15]}' \\(8 of the 23"):
        feature_names(frame, core)
    assert feature_names(frame, dataclasses.replace(CONFIG, features=HANDBOOK_FEATURES)) == list(
        HANDBOOK_FEATURES
    )
