"""The train and evaluate commands work unchanged on history imported from a file in the
handbook's published column layout (TRANSACTION_ID, TX_DATETIME, CUSTOMER_ID, ...)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from fraudd.history.importer import import_history
from fraudd.model.commands import evaluate_command, train_command
from fraudd.model.fit import FitConfig
from fraudd.settings import Settings
from fraudd.simulator import write_handbook_csv
from tests.model.fixtures import ModelDb


async def test_train_and_evaluate_after_handbook_import(
    model_db: ModelDb,
    small_history: pd.DataFrame,
    local_stack: tuple[Settings, object],
    tmp_path: Path,
) -> None:
    base = local_stack[0]
    settings = base.derive(
        **{"warehouse": base.warehouse.derive(**{"schema_name": model_db.schema})}
    )
    path = tmp_path / "handbook.csv.gz"
    write_handbook_csv(small_history, path)
    assert path.read_bytes()[:2] == b"\x1f\x8b"
    summary = await import_history(model_db.wh, settings, path)
    assert summary.as_dict()["loaded"] == len(small_history)
    record = await train_command(
        settings,
        train_end=dt.date(2018, 5, 24),
        train_days=40,
        fit=FitConfig(max_rounds=40, early_stopping_rounds=10),
    )
    evaluation = await evaluate_command(settings, test_start=dt.date(2018, 5, 24), test_days=5)
    assert evaluation.model_version == record.version
    assert evaluation.n_frauds > 0 and 0.5 < evaluation.auc_roc <= 1.0
