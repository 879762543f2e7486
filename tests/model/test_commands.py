"""The CLI entry points end to end on the local stack: train, list, evaluate with a report,
export, activate."""

from __future__ import annotations

import datetime as dt
import tarfile
from pathlib import Path

import pandas as pd

from fraudd.model.commands import (
    activate_command,
    evaluate_command,
    export_command,
    list_command,
    train_command,
)
from fraudd.model.fit import FitConfig
from fraudd.model.report import PLOTS
from fraudd.settings import Settings
from tests.model.fixtures import ModelDb, load_history


async def test_train_evaluate_export(
    model_db: ModelDb,
    small_history: pd.DataFrame,
    local_stack: tuple[Settings, object],
    tmp_path: Path,
) -> None:
    settings = local_stack[0]
    settings = settings.derive(
        **{"warehouse": settings.warehouse.derive(**{"schema_name": model_db.schema})}
    )
    async with model_db.wh.acquire() as conn:
        await load_history(conn, model_db.schema, small_history)
    record = await train_command(
        settings,
        train_end=dt.date(2018, 5, 24),
        train_days=40,
        fit=FitConfig(max_rounds=40, early_stopping_rounds=10),
    )
    assert record.active and record.metadata["timings"]["feature_seconds"] > 0
    evaluation = await evaluate_command(
        settings, test_start=dt.date(2018, 5, 24), test_days=5, report_dir=tmp_path / "report"
    )
    assert evaluation.model_version == record.version and evaluation.n_frauds > 0
    assert all((tmp_path / "report" / name).is_file() for name in PLOTS)
    archive = await export_command(settings, tmp_path)
    with tarfile.open(archive) as tar:
        assert tar.getnames() == ["xgboost-model"]
    await activate_command(settings, record.version)
    listed = await list_command(settings)
    assert [(m.version, m.active) for m in listed] == [(record.version, True)]
