"""$0 authorisations (account verification, card-testing probes) are real traffic: a
handbook-layout file with zero amounts imports with exit 0 and every row, and those rows are
stored, featured (no division by zero) and scored."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from fraudd.features import FEATURES, training_features
from fraudd.model.commands import train_command
from fraudd.model.evaluate import model_scores
from fraudd.model.fit import FitConfig
from fraudd.model.train import TrainConfig
from fraudd.simulator import write_handbook_csv
from fraudd.warehouse import opened_warehouse
from tests.history.conftest import SMALL, SMALL_DAYS, HistoryDb
from tests.history.test_importer import fetch, last_json, run_cli


def zero_some(frame: pd.DataFrame) -> tuple[pd.DataFrame, set[str]]:
    """Every swipe of one card at 0 (its 30-day mean is 0 too), and 40 more scattered ones."""
    frame = frame.copy()
    card = frame["customer_id"].value_counts().index[0]
    zero = (frame["customer_id"] == card).to_numpy().copy()
    zero[np.arange(7, len(frame), max(1, len(frame) // 40))[:40]] = True
    frame.loc[zero, "amount"] = 0.0
    return frame, {str(i) for i in np.flatnonzero(zero)}  # handbook ids are row numbers


async def test_a_handbook_file_with_zero_amounts_imports_features_and_scores(
    history_db: HistoryDb, small_frame: pd.DataFrame, tmp_path: Path
) -> None:
    frame, zero_ids = zero_some(small_frame)
    path = tmp_path / "handbook_zero.csv"
    write_handbook_csv(frame, path)
    done = await run_cli(history_db, "history", "import", str(path), "--json")
    summary = last_json(done)
    assert done.returncode == 0, done.stderr
    assert summary["loaded"] == summary["labels"] == summary["rows_read"] == len(frame)
    assert summary["rejected"] == 0 and summary["labels_at_delay"] == len(frame)
    assert "tx_time + 7 days" in summary["label_time_rule"]
    stored = await fetch(history_db, "SELECT tx_id FROM {schema}.transactions WHERE amount = 0")
    assert {r[0] for r in stored} == zero_ids and len(zero_ids) > 40

    start = dt.datetime.combine(SMALL.origin, dt.time(), dt.UTC)
    end = start + dt.timedelta(days=SMALL_DAYS)
    async with opened_warehouse(history_db.settings) as wh:
        async with wh.session() as session:
            features = await training_features(session, start, end)
    zeros = features[features["tx_id"].isin(zero_ids)]
    assert len(zeros) == len(zero_ids) and (zeros["amount"] == 0).all()
    assert not np.isinf(features[list(FEATURES)].to_numpy()).any()  # NULL (NaN), never ±inf

    config = TrainConfig(end, SMALL_DAYS, fit=FitConfig(refit=False))
    record = await train_command(history_db.settings, config, activate=True)
    scores = model_scores(record, zeros)
    assert np.isfinite(scores).all() and ((scores >= 0) & (scores <= 1)).all()
