"""The README's "Your own fields and features", end to end on PostgreSQL and in Redshift mode:
declare fields, declare features over them in a catalog file extending the built-in one (a row
expression, a filter, a group key: ``tests/feature_catalog/own_fields.py``), import a history file
carrying the fields, train and evaluate a model on that catalog, and compute every feature on the
training and on the serving path the consumer runs: identical values, bit for bit (invariant 5), the
declared fields' features varying."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from fraudd.history.importer import import_history
from fraudd.model.commands import evaluate_command, train_command
from fraudd.model.fit import FitConfig
from fraudd.model.protocol import EvalWindow
from fraudd.model.train import TrainConfig
from fraudd.simulator import write_csv
from fraudd.simulator.dataset import generate_history
from fraudd.warehouse.features import serving_call, training_call
from tests.feature_catalog.own_fields import extending
from tests.warehouse.contract.conftest import stage_by_insert
from tests.warehouse.contract.env import open_contract_env

__all__ = ["stage_by_insert"]
pytestmark = pytest.mark.usefixtures("stage_by_insert")

START = dt.datetime(2018, 5, 10, tzinfo=dt.UTC)
END = START + dt.timedelta(hours=12)
TRAINING = TrainConfig(
    train_end=dt.date(2018, 5, 9),
    train_days=30,
    fit=FitConfig(max_rounds=30, early_stopping_rounds=10),
)
TEST = EvalWindow.of(dt.date(2018, 5, 9), test_days=5)


def history_file(path: Path) -> pd.DataFrame:
    """45 days of a small simulation, written with the declared fields as extra columns."""
    frame = generate_history(dt.date(2018, 4, 1), 45, customers=200, terminals=400, seed=9)
    write_csv(frame, path)
    text = pd.read_csv(path, dtype=str, keep_default_na=False)
    terminal = frame["terminal_id"].astype(int).to_numpy()
    text["merchant_country"] = np.array(["FR", "DE", "ES"])[terminal % 3]
    text["card_present"] = np.where(frame["channel"] == "ecom", "false", "true")
    text.to_csv(path, index=False)
    return frame


async def test_declared_fields_and_features_over_them_end_to_end(
    warehouse_implementation: str, local_stack: Any, tmp_path: Path
) -> None:
    env = await open_contract_env(
        local_stack, warehouse_implementation, ("consumer",), **extending(tmp_path)
    )
    try:
        settings = env.settings
        catalog = settings.features.selected()
        frame = history_file(tmp_path / "history.csv")
        summary = await import_history(env.deps.warehouse, settings, tmp_path / "history.csv")
        record = await train_command(settings, TRAINING, activate=True)
        evaluation = await evaluate_command(settings, TEST)
        dialect = settings.warehouse.dialect
        async with env.deps.warehouse.session() as session:
            queries = session.features  # what training and the consumer's scoring run
            sql, params = training_call(queries.training, START, END)
            trained = await session.conn.fetch(sql, *params)
            ids = [r[0] for r in trained]
            sql, params = serving_call(queries.serving, ids, START, END)
            served = await session.conn.fetch(sql, *params)
    finally:
        await env.stack.aclose()
    assert dialect == ("postgres" if warehouse_implementation == "postgres" else "redshift")
    assert summary.rejected_total == 0 and summary.loaded == len(frame)
    assert record.features == catalog.features and "card_cnp_count_1d" in record.features
    assert record.metadata["catalog"]["fingerprint"] == catalog.fingerprint
    assert evaluation.model_version == record.version and evaluation.n_frauds > 0
    n = len(catalog.features)
    training = {r[0]: [_float(v) for v in r[4 : 4 + n]] for r in trained}
    serving = {r[0]: [_float(v) for v in r[1:]] for r in served}
    assert len(training) > 30 and sorted(training) == sorted(serving)
    for i, name in enumerate(catalog.features):
        left = np.array([training[t][i] for t in sorted(training)])
        right = np.array([serving[t][i] for t in sorted(training)])
        assert left.tobytes() == right.tobytes(), f"{name}: serving differs from training"
    for name in ("foreign_merchant", "card_cnp_count_1d", "country_mean_amount_7d"):
        i = catalog.features.index(name)
        assert len({v[i] for v in training.values()}) > 1, f"{name} never varies"


def _float(value: Any) -> float:
    return np.nan if value is None else float(value)
