"""The CLI entry points end to end on the local stack: train, list, evaluate with a report,
export, activate."""

from __future__ import annotations

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
from fraudd.model.report import PLOTS
from tests.model.fixtures import SMALL_TEST, SMALL_TRAINING, ModelDb, load_history


async def test_train_evaluate_export(
    model_db: ModelDb,
    small_history: pd.DataFrame,
    tmp_path: Path,
) -> None:
    settings = model_db.settings
    async with model_db.wh.acquire() as conn:
        await load_history(conn, model_db.schema, small_history)
    record = await train_command(settings, SMALL_TRAINING)
    assert record.active and record.metadata["timings"]["feature_seconds"] > 0
    evaluation = await evaluate_command(settings, SMALL_TEST, report_dir=tmp_path / "report")
    assert evaluation.model_version == record.version and evaluation.n_frauds > 0
    assert all((tmp_path / "report" / name).is_file() for name in PLOTS)
    archive = await export_command(settings, tmp_path)
    with tarfile.open(archive) as tar:
        assert tar.getnames() == ["xgboost-model"]
    await activate_command(settings, record.version)
    listed = await list_command(settings)
    assert [(m.version, m.active) for m in listed] == [(record.version, True)]
