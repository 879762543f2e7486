"""Training rows and the evaluation's known frauds (fraudd/warehouse/shared/training.py,
evaluation.py) on each implementation, and the Redshift feature SQL's constant bounds."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from fraudd.features import FEATURES, TRAINING_COLUMNS
from fraudd.warehouse.shared import features as feature_sql
from tests.model.fixtures import TX_COLUMNS, label_rows, tx_rows
from tests.warehouse.sessions import AreaDb, area_db

__all__ = ["area_db"]

UTC = dt.UTC
START = dt.datetime(2018, 5, 12, tzinfo=UTC)


async def _load(area_db: AreaDb, frame: pd.DataFrame) -> None:
    raw = getattr(area_db.wh.pool, "_warehouse", area_db.wh.pool)
    async with raw.acquire() as conn:
        await conn.copy_rows(f"{area_db.schema}.transactions", TX_COLUMNS, tx_rows(frame))
        await conn.copy_rows(
            f"{area_db.schema}.labels",
            ("tx_id", "is_fraud", "labelled_at", "fraud_scenario"),
            label_rows(frame, spread=True),
        )


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    from fraudd.simulator.dataset import generate_history

    return generate_history(dt.date(2018, 4, 1), 45, customers=120, terminals=240, seed=5)


async def test_training_rows_and_known_frauds(area_db: AreaDb, history: pd.DataFrame) -> None:
    await _load(area_db, history)
    end = START + dt.timedelta(days=2)
    async with area_db.wh.session() as s:
        rows = await s.training_rows(START, end)
        frauds = await s.known_frauds(START - dt.timedelta(days=7), end)
    frame = pd.DataFrame(rows, columns=list(TRAINING_COLUMNS))
    window = history[(history["tx_time"] >= START) & (history["tx_time"] < end)]
    assert frame["tx_id"].tolist() == window.sort_values(["tx_time", "tx_id"])["tx_id"].tolist()
    assert (
        frame["is_fraud"].astype(int).tolist()
        == window.sort_values(["tx_time", "tx_id"])["is_fraud"].astype(int).tolist()
    )
    assert frame["cust_count_30d"].min() >= 1  # the card's own transaction, always
    assert (frame.loc[:, list(FEATURES)].astype(np.float64).nunique() > 1).sum() > 15
    known = history[
        (history["is_fraud"] > 0)
        & (history["tx_time"] >= START - dt.timedelta(days=7))
        & (history["tx_time"] < end)
    ]
    assert sorted(frauds) == sorted(
        zip(known["card_token"], (t.to_pydatetime() for t in known["tx_time"]), strict=True)
    )
    assert len(frauds) > 0


async def test_a_lookback_too_short_changes_the_redshift_features(
    area_db: AreaDb, history: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bounds are applied (not decoration): cut the look-back to the card's 30 days and
    the terminal's delayed windows lose rows on the Redshift implementation only."""
    if not area_db.redshift:
        pytest.skip("the PostgreSQL training query frames its own window")
    await _load(area_db, history)
    end = START + dt.timedelta(hours=12)
    async with area_db.wh.session() as s:
        full = pd.DataFrame(await s.training_rows(START, end), columns=list(TRAINING_COLUMNS))
        monkeypatch.setattr(feature_sql, "FEATURE_LOOKBACK", dt.timedelta(hours=720))
        cut = pd.DataFrame(await s.training_rows(START, end), columns=list(TRAINING_COLUMNS))
    assert (full["term_count_30d"] > cut["term_count_30d"]).any()
    assert (full["cust_count_30d"] == cut["cust_count_30d"]).all()
