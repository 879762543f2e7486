"""The plain baseline: what it is, and the check a new model must pass on its held-out week."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fraudd.features import FEATURES
from fraudd.model.baseline import HANDBOOK_FEATURES, baseline_params, check_baseline
from fraudd.model.protocol import EvalWindow

WINDOW = EvalWindow.of("2018-07-24")
NO_FRAUDS = pd.DataFrame({"tx_time": pd.to_datetime([], utc=True), "card_token": []})


def _rows(n: int, seed: int, start: pd.Timestamp) -> pd.DataFrame:
    """Rows whose fraud shows in ``amount``, a Handbook feature the baseline reads."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.random((n, len(FEATURES))), columns=list(FEATURES))
    return frame.assign(
        is_fraud=(frame["amount"] > 0.95).astype(np.int8),
        card_token=[f"c{i}" for i in range(n)],
        tx_time=start + pd.to_timedelta(rng.integers(0, 7 * 86400, n), unit="s"),
    )


def test_the_baseline_is_plain_xgboost_on_the_handbooks_15_features() -> None:
    assert HANDBOOK_FEATURES == FEATURES[:15] and len(HANDBOOK_FEATURES) == 15
    assert "amount_ratio_30d" not in HANDBOOK_FEATURES
    assert baseline_params(2, 0) == {
        "objective": "binary:logistic", "tree_method": "hist", "max_depth": 6, "eta": 0.1,
        "nthread": 2, "seed": 0,
    }  # fmt: skip


def test_a_model_below_the_baseline_fails_the_check() -> None:
    fit_rows = _rows(3000, 1, WINDOW.test_start - pd.Timedelta(days=30))
    val_rows = _rows(2000, 2, WINDOW.test_start)
    labels = val_rows["is_fraud"].to_numpy()
    noise = np.random.default_rng(0).random(len(val_rows))
    weak = check_baseline(fit_rows, val_rows, noise, NO_FRAUDS, WINDOW, n_jobs=1)
    assert weak.baseline_ap > 0.9 and weak.model_ap < 0.3
    assert not weak.passed and not weak.as_dict()["passed"]
    assert (weak.rows, weak.frauds) == (2000, int(labels.sum()))
    strong = check_baseline(fit_rows, val_rows, labels * 0.9, NO_FRAUDS, WINDOW, n_jobs=1)
    assert strong.model_ap == 1.0 and strong.passed  # as good as the baseline is enough
