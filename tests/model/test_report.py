"""The evaluation report: four PNG plots, summary.md and evaluation.json."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from fraudd.model.evaluate import evaluate_scores
from fraudd.model.protocol import EvalWindow
from fraudd.model.report import PLOTS, write_report


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
