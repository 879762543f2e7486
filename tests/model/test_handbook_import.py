"""The train and evaluate commands work unchanged on history imported from a file in the
handbook's published column layout (TRANSACTION_ID, TX_DATETIME, CUSTOMER_ID, ...)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from fraudd.history.importer import import_history
from fraudd.model.commands import evaluate_command, train_command
from fraudd.simulator import write_handbook_csv
from tests.model.fixtures import SMALL_TEST, SMALL_TRAINING, ModelDb


async def test_train_and_evaluate_after_handbook_import(
    model_db: ModelDb,
    small_history: pd.DataFrame,
    tmp_path: Path,
) -> None:
    settings = model_db.settings
    path = tmp_path / "handbook.csv.gz"
    write_handbook_csv(small_history, path)
    assert path.read_bytes()[:2] == b"\x1f\x8b"
    summary = await import_history(model_db.wh, settings, path)
    assert summary.as_dict()["loaded"] == len(small_history)
    record = await train_command(settings, SMALL_TRAINING)
    evaluation = await evaluate_command(settings, SMALL_TEST)
    assert evaluation.model_version == record.version
    assert evaluation.n_frauds > 0 and 0.5 < evaluation.auc_roc <= 1.0
