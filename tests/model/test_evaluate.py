"""Evaluation with the handbook's protocol: on scored rows (pure), and on a model against real
PostgreSQL (training features, known frauds from the warehouse)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from fraudd.features import FEATURES
from fraudd.model.evaluate import Evaluation, evaluate_model, evaluate_scores, model_scores
from fraudd.model.protocol import EvalWindow
from fraudd.model.train import train_and_register
from tests.model.fixtures import ModelDb, load_history
from tests.model.helpers import record, synthetic
from tests.model.test_train import CONFIG

WINDOW = EvalWindow.of("2018-05-24", test_days=2, delay_days=7, known_days=7)


def _test_rows() -> tuple[pd.DataFrame, np.ndarray]:
    """Two test days of four cards; card c0 had a fraud in the known period."""
    day0, day1 = WINDOW.day_start(0), WINDOW.day_start(1)
    hour = pd.Timedelta(hours=1)
    test = pd.DataFrame(
        {
            "tx_time": [day0 + hour, day0 + 2 * hour, day0 + 3 * hour, day1 + hour, day1 + hour],
            "card_token": ["c0", "c1", "c2", "c1", "c3"],
            "is_fraud": [1, 1, 0, 1, 0],
            "amount": [1.0, 2.0, 3.0, 4.0, 5.0],  # not copied into the result
        }
    )
    return test, np.array([0.9, 0.8, 0.1, 0.7, 0.2])


def test_evaluate_scores_removes_known_cards_and_counts_what_is_kept() -> None:
    test, scores = _test_rows()
    known = pd.DataFrame(
        {"tx_time": [WINDOW.known_start + pd.Timedelta(days=1)], "card_token": ["c0"]}
    )
    evaluation, kept = evaluate_scores(test, scores, known, WINDOW, model_version=4)
    assert kept["card_token"].tolist() == ["c1", "c2", "c1", "c3"]
    assert list(kept.columns) == ["tx_time", "card_token", "is_fraud", "score"]
    assert kept["score"].tolist() == [0.8, 0.1, 0.7, 0.2]
    assert (evaluation.n_transactions, evaluation.n_removed_known) == (4, 1)
    assert (evaluation.n_frauds, evaluation.n_cards) == (2, 3)
    assert evaluation.auc_roc == 1.0 and evaluation.average_precision == 1.0
    # day 0: c1 found (1 of k=100); day 1: c1 already detected, c3 genuine
    assert evaluation.card_precision_per_day == [0.01, 0.0]
    assert evaluation.card_precision_at_100 == 0.005
    assert (evaluation.test_start, evaluation.test_days) == ("2018-05-24T00:00:00+00:00", 2)
    assert (evaluation.delay_days, evaluation.known_days, evaluation.model_version) == (7, 7, 4)


def test_evaluation_prints_as_json_it_reads_back_from() -> None:
    test, scores = _test_rows()
    no_frauds = pd.DataFrame({"tx_time": pd.to_datetime([], utc=True), "card_token": []})
    evaluation, _ = evaluate_scores(test, scores, no_frauds, WINDOW)
    data = json.loads(evaluation.as_json())
    assert data == evaluation.as_dict() and data["model_version"] is None
    assert Evaluation(**data) == evaluation


def test_model_scores_reads_features_by_name_in_the_model_order() -> None:
    model = record({"review": 0.5, "block": None})
    x, _ = synthetic(200, seed=4)
    frame = pd.DataFrame(x, columns=list(FEATURES))
    shuffled = frame[list(reversed(FEATURES))].assign(extra=1.0)
    expected = model.booster().inplace_predict(x.astype(np.float32))
    scores = model_scores(model, shuffled)
    assert scores.dtype == np.float64
    np.testing.assert_allclose(scores, expected)


async def test_evaluate_applies_the_protocol(
    model_db: ModelDb, small_history: pd.DataFrame
) -> None:
    window = EvalWindow.of("2018-05-24", test_days=6, delay_days=7, known_days=7)
    async with model_db.wh.session() as session:
        await load_history(session.conn, model_db.schema, small_history)
        record, _ = await train_and_register(session, CONFIG)
        evaluation, kept = await evaluate_model(session, record, window)
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
    # Where detection comes from: every kept fraud has its simulator scenario.
    scenarios = evaluation.recall_per_scenario
    assert {r["scenario"] for r in scenarios} <= {1, 2, 3} and len(scenarios) >= 2
    assert sum(r["frauds"] for r in scenarios) == evaluation.n_frauds
    assert all(0.0 <= r["declined_recall"] <= r["recall"] <= 1.0 for r in scenarios)
    assert sorted(f["name"] for f in evaluation.feature_importance) == sorted(FEATURES)
    assert sum(f["top_reason_share"] > 0 for f in evaluation.feature_importance) >= 1
    # What it costs: the thresholds stored with the model, on the kept rows.
    friction = evaluation.friction
    assert friction is not None and friction["frauds"] == evaluation.n_frauds
    assert friction["review_threshold"] == record.thresholds.review
    caught = sum(round(r["recall"] * r["frauds"]) for r in scenarios)
    assert friction["frauds_caught"] == caught > 0
    assert friction["legit_reviewed"] + friction["legit_declined"] > 0
    assert Evaluation(**json.loads(evaluation.as_json())) == evaluation
