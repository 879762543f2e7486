"""The CLI entry points end to end on the local stack: train, list, evaluate with a report,
export, activate."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pandas as pd
import pytest

from fraudd.feature_catalog import parse_catalog
from fraudd.features import CatalogMismatch
from fraudd.model.commands import (
    activate_command,
    evaluate_command,
    export_command,
    list_command,
    train_command,
)
from fraudd.model.report import PLOTS
from tests.model.fixtures import SMALL_TEST, SMALL_TRAINING, ModelDb, load_history
from tests.settings.test_features import EXTRA


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


async def test_a_model_is_scored_only_under_the_catalog_it_was_trained_with(
    model_db: ModelDb, small_history: pd.DataFrame, tmp_path: Path
) -> None:
    """A user's catalog file extends the built-in one: training computes and records it (content
    and fingerprint); activating that model under another catalog is refused, saying to
    retrain; under its own catalog it activates."""
    built = model_db.settings
    path = tmp_path / "features.toml"
    path.write_text(EXTRA)
    extended = built.derive(features={"catalog": path, "mode": "extend"})
    async with model_db.wh.acquire() as conn:
        await load_history(conn, model_db.schema, small_history)
    record = await train_command(extended, SMALL_TRAINING, activate=False)
    catalog = extended.features.selected()
    assert record.features == catalog.features and "cnp_share_1h" in record.features
    assert record.metadata["catalog"] == {"fingerprint": catalog.fingerprint, "toml": catalog.text}
    assert parse_catalog(record.metadata["catalog"]["toml"]).fingerprint == catalog.fingerprint
    with pytest.raises(CatalogMismatch, match=r"retrain under this catalog \(`fraudd train`\)"):
        await activate_command(built, record.version)
    assert not (await list_command(built))[0].active
    await activate_command(extended, record.version)
    assert (await list_command(built))[0].active
