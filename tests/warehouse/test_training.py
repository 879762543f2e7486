"""Training rows and the evaluation's known frauds (fraudd/warehouse/shared/training.py,
evaluation.py) on each implementation, and the Redshift feature SQL's constant bounds."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from fraudd.features import FEATURES, TRAINING_COLUMNS
from fraudd.warehouse.shared import features as feature_sql
from fraudd.warehouse.shared.features import (
    FEATURE_LOOKBACK,
    bind,
    feature_queries,
    serving_call,
    training_call,
)
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


def _windows_hours(sql: str) -> list[int]:
    return [int(h) for h in re.findall(r"interval '(\d+) hours'", sql)]


@pytest.mark.parametrize("dialect", ["postgres", "redshift"])
def test_the_lookback_covers_every_feature_window(dialect: str) -> None:
    queries = feature_queries(dialect, "fraudd")  # type: ignore[arg-type]
    widest = max(_windows_hours(queries.serving) + _windows_hours(queries.training))
    assert widest == FEATURE_LOOKBACK / dt.timedelta(hours=1) == 888


def test_every_redshift_scan_of_transactions_has_constant_tx_time_bounds() -> None:
    """Zone maps prune only on constant predicates on the sort key: every scan of transactions
    in the Redshift feature SQL carries bound parameters on tx_time, not only join conditions.
    The batch is read once, and the windows join one bounded scan ``u`` (features_windows.sql)."""
    queries = feature_queries("redshift", "fraudd")
    for sql, low, high in ((queries.serving, "first", "last"), (queries.training, "start", "end")):
        base = rf"FROM fraudd\.transactions t\n\s+WHERE [^\n]*\n\s+AND t\.tx_time >= /\*{low}\*/%s"
        windows = (
            r"FROM fraudd\.transactions s\n"
            r"\s+WHERE s\.tx_time > /\*scan_from\*/%s AND s\.tx_time <= /\*scan_to\*/%s\n"
        )
        assert len(re.findall(r"(?:FROM|JOIN) fraudd\.transactions", sql)) == 2  # batch + windows
        assert len(re.findall(windows, sql)) == 1, sql
        assert len(re.findall(r"LEFT JOIN u\n", sql)) == 3, sql  # card, delayed, recent windows
        assert re.search(base, sql) or re.search(
            rf"FROM fraudd\.transactions t\n\s+WHERE t\.tx_time >= /\*{low}\*/%s", sql
        ), sql
        assert re.search(rf"AND t\.tx_time <=? /\*{high}\*/%s", sql), sql


def test_bind_names_every_parameter() -> None:
    first, last = START, START + dt.timedelta(hours=1)
    redshift = feature_queries("redshift", "fraudd")
    sql, params = serving_call(redshift.serving, ["a", "b"], first, last)
    assert params == ["a", "b", first, last, first - FEATURE_LOOKBACK, last]
    assert sql.count("%s") == len(params) == 6
    _, params = training_call(redshift.training, first, last)
    assert params == [first, last, first - FEATURE_LOOKBACK, last]
    with pytest.raises(ValueError, match="no /\\*name\\*/ marker"):
        bind("SELECT %s, /*a*/%s", {"a": 1})


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
