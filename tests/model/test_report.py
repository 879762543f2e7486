"""The evaluation report: four PNG plots, summary.md and evaluation.json; three more plots and
tables when the evaluation breaks detection down by scenario, feature and friction."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd

from fraudd.model.evaluate import evaluate_scores
from fraudd.model.friction import friction, recall_per_scenario
from fraudd.model.importance import FeatureImportance
from fraudd.model.protocol import EvalWindow
from fraudd.model.report import BREAKDOWN_PLOTS, PLOTS, write_report
from fraudd.scoring.thresholds import Thresholds


def test_report_files(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    window = EvalWindow.of("2018-08-08", test_days=3)
    n = 3000
    test = pd.DataFrame(
        {
            "tx_time": window.test_start + pd.to_timedelta(rng.integers(0, 3 * 86400, n), unit="s"),
            "card_token": [f"tok_{i}" for i in rng.integers(0, 500, n)],
            "is_fraud": (rng.random(n) < 0.02).astype(int),
        }
    )
    scores = np.clip(test["is_fraud"] * 0.6 + rng.random(n) * 0.5, 0, 1).to_numpy()
    frauds = pd.DataFrame({"tx_time": [window.known_start], "card_token": ["tok_1"]})
    evaluation, kept = evaluate_scores(test, scores, frauds, window, model_version=3)
    written = write_report(tmp_path / "report", evaluation, kept)
    for name in PLOTS:
        assert (tmp_path / "report" / name).read_bytes().startswith(b"\x89PNG")
    summary = (tmp_path / "report" / "summary.md").read_text()
    assert "# Evaluation of model 3" in summary and f"{evaluation.auc_roc:.4f}" in summary
    stored = json.loads((tmp_path / "report" / "evaluation.json").read_text())
    assert stored["n_transactions"] == len(kept) == n - int((test["card_token"] == "tok_1").sum())
    assert len(written) == len(PLOTS) + 2
    assert not any((tmp_path / "report" / name).exists() for name in BREAKDOWN_PLOTS)


def test_report_plots_the_breakdown_when_the_evaluation_has_it(tmp_path: Path) -> None:
    window = EvalWindow.of("2018-08-08", test_days=1)
    test = pd.DataFrame(
        {
            "tx_id": ["t1", "t2", "t3", "t4"],
            "tx_time": [window.test_start + pd.Timedelta(hours=h) for h in range(4)],
            "card_token": ["a", "a", "b", "c"],
            "is_fraud": [0, 1, 1, 0],
        }
    )
    no_frauds = pd.DataFrame({"tx_time": pd.to_datetime([], utc=True), "card_token": []})
    evaluation, kept = evaluate_scores(test, np.array([0.1, 0.95, 0.6, 0.7]), no_frauds, window)
    thresholds = Thresholds(review=0.5, block=0.9)
    scenarios = recall_per_scenario(kept, pd.Series({"t2": 1, "t3": 2}), thresholds)
    importance = [FeatureImportance("amount", 3.5, 0.7, 0.5), FeatureImportance("x", 1.0, 0.3, 1)]
    full = dataclasses.replace(
        evaluation,
        recall_per_scenario=[dataclasses.asdict(r) for r in scenarios],
        feature_importance=[dataclasses.asdict(f) for f in importance],
        friction=dataclasses.asdict(friction(kept, thresholds)),
    )
    written = write_report(tmp_path, full, kept)
    for name in BREAKDOWN_PLOTS:
        assert (tmp_path / name).read_bytes().startswith(b"\x89PNG")
        assert tmp_path / name in written
    summary = (tmp_path / "summary.md").read_text()
    assert "| 1 | 1 | 1.000 | 1.000 |" in summary and "| 2 | 1 | 1.000 | 0.000 |" in summary
    assert "| amount | 3.50 | 0.700 | 0.500 |" in summary
    assert "| legit reviewed per fraud caught | 0.5 |" in summary  # t4 for t2 and t3
    assert "| cards blocked without fraud | 0 |" in summary
    stored = json.loads((tmp_path / "evaluation.json").read_text())
    assert stored["friction"]["cards_blocked"] == 1 and len(stored["recall_per_scenario"]) == 2
