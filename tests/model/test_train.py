"""Training on a small simulated history, the registry's activation rule, and evaluation, all
against real PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from fraudd.features import FEATURES
from fraudd.model.evaluate import evaluate_model
from fraudd.model.fit import FitConfig
from fraudd.model.protocol import EvalWindow
from fraudd.model.registry import Registry
from fraudd.model.train import TrainConfig, train_and_register
from fraudd.scoring.decision import Thresholds
from fraudd.scoring.local import load_local_scorer
from fraudd.settings import ScoringSettings
from tests.model import helpers
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
    registry = Registry(model_db.schema)
    async with model_db.wh.acquire() as conn:
        await load_history(conn, model_db.schema, small_history)
        first, trained = await train_and_register(conn, model_db.queries, registry, CONFIG)
        weak, _ = await train_and_register(conn, model_db.queries, registry, WEAK)
        active = await registry.load_active(conn)
        listed = await registry.list_models(conn)
    assert (first.version, first.active) == (1, True)
    meta = first.metadata
    assert meta["features"] == list(FEATURES)
    assert meta["training_window"]["start"] == "2018-04-14T00:00:00+00:00"
    assert meta["validation"]["auc_roc"] > 0.7
    assert meta["validation"]["average_precision"] > 0.3
    assert meta["thresholds"]["review"] is not None
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
    # A worse model is registered but kept inactive, with the reason.
    assert (weak.version, weak.active) == (2, False)
    assert weak.metadata["activation"]["compared_with"] == 1
    assert "worse" in weak.metadata["activation"]["reason"]
    assert active is not None and active.version == 1
    assert [(m.version, m.active, m.artifact) for m in listed] == [
        (1, True, None),
        (2, False, None),
    ]


async def test_activate_switches_the_single_active_model(model_db: ModelDb) -> None:
    registry = Registry(model_db.schema)
    async with model_db.wh.acquire() as conn:
        assert await registry.load_active(conn) is None
        model = helpers.record({"review": 0.4, "block": None})
        a = await registry.register(
            conn, backend="local", artifact=model.artifact, metadata=model.metadata, activate=True
        )
        b = await registry.register(
            conn,
            backend="sagemaker",
            artifact=None,
            metadata={"thresholds": {"review": 0.5, "block": None}},
            activate=False,
        )
        scorer = await load_local_scorer(conn, registry, ScoringSettings(block_threshold=0.99))
        await registry.activate(conn, b.version)
        active = await registry.load_active(conn)
        assert await load_local_scorer(conn, registry, ScoringSettings()) is None  # sagemaker
        with pytest.raises(KeyError):
            await registry.activate(conn, 99)
        again = await registry.get(conn, a.version)
        listed = await registry.list_models(conn)
    assert active is not None and active.version == b.version and active.artifact is None
    assert active.thresholds.review == 0.5 and active.activated_at is not None
    assert again is not None and again.metadata == model.metadata
    assert again.artifact == model.artifact
    assert scorer is not None and scorer.version == str(a.version)
    assert scorer.thresholds == Thresholds(review=0.4, block=0.99)  # override wins
    assert [m.active for m in listed] == [False, True]


async def test_evaluate_applies_the_protocol(
    model_db: ModelDb, small_history: pd.DataFrame
) -> None:
    registry = Registry(model_db.schema)
    window = EvalWindow.of("2018-05-24", test_days=6, delay_days=7, known_days=7)
    async with model_db.wh.acquire() as conn:
        await load_history(conn, model_db.schema, small_history)
        record, _ = await train_and_register(conn, model_db.queries, registry, CONFIG)
        evaluation, kept = await evaluate_model(
            conn, model_db.queries, model_db.schema, record, window
        )
    in_period = small_history[
        (small_history["tx_time"] >= window.test_start)
        & (small_history["tx_time"] < window.test_end)
    ]
    assert evaluation.n_transactions == len(kept)
    assert evaluation.n_transactions + evaluation.n_removed_known == len(in_period)
    assert evaluation.n_removed_known > 0
    assert evaluation.n_frauds == int(kept["is_fraud"].sum()) > 0
    assert len(evaluation.card_precision_per_day) == 6
    assert evaluation.auc_roc > 0.7
    assert evaluation.as_dict()["model_version"] == record.version
