"""The training area (fraudd/warehouse/{api,shared}/training.py) on each implementation: the
training rows of a range from the one feature definition, bounded on Redshift by the feature
SQL's look-back (whose text is tests/warehouse/test_features.py's)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from fraudd.features import FEATURES, TRAINING_COLUMNS
from fraudd.warehouse import features as feature_sql
from fraudd.warehouse.labels import Label
from tests.warehouse.contract.env import HISTORY_START as START
from tests.warehouse.contract.env import swipe
from tests.warehouse.sessions import AreaDb


async def test_training_rows_of_the_history(loaded: AreaDb, history: pd.DataFrame) -> None:
    end = START + dt.timedelta(days=2)
    async with loaded.wh.session() as s:
        rows = await s.training_rows(START, end)
    frame = pd.DataFrame(rows, columns=list(TRAINING_COLUMNS))
    window = history[(history["tx_time"] >= START) & (history["tx_time"] < end)]
    assert frame["tx_id"].tolist() == window.sort_values(["tx_time", "tx_id"])["tx_id"].tolist()
    assert (
        frame["is_fraud"].astype(int).tolist()
        == window.sort_values(["tx_time", "tx_id"])["is_fraud"].astype(int).tolist()
    )
    assert frame["cust_count_30d"].min() >= 1  # the card's own transaction, always
    assert (frame.loc[:, list(FEATURES)].astype(np.float64).nunique() > 1).sum() > 15


async def test_training_rows_are_the_half_open_range_in_order_unlabelled_as_legitimate(
    area_db: AreaDb,
) -> None:
    """``start <= tx_time < end``, by (tx_time, tx_id); a transaction without a label is not
    fraud; the label is the only thing training adds to the serving features."""
    swipes = [swipe("t0", hours=-1), swipe("t2"), swipe("t1"), swipe("t3", 900.0, hours=1),
              swipe("t4", hours=2)]  # fmt: skip
    start, end = swipes[1].tx_time, swipes[4].tx_time
    later = end + dt.timedelta(days=30)  # arrived long after: training reads every label
    async with area_db.wh.session() as s:
        await s.store_transactions(swipes)
        await s.insert_labels([Label("t3", True, later), Label("t2", False, later)], "test")
        rows = await s.training_rows(start, end)
        serving = {r[0]: tuple(r[1:]) for r in await s.serving_rows(swipes[1:4])}
    frame = pd.DataFrame(rows, columns=list(TRAINING_COLUMNS))
    assert frame["tx_id"].tolist() == ["t1", "t2", "t3"]
    assert frame["is_fraud"].astype(bool).tolist() == [False, False, True]
    assert frame["card_token"].tolist() == ["card-000001"] * 3
    features = frame.loc[:, list(FEATURES)].astype(np.float64)
    for tx_id, row in zip(frame["tx_id"], features.itertuples(index=False), strict=True):
        same = tuple(np.nan if v is None else float(v) for v in serving[tx_id])
        assert tuple(row) == pytest.approx(same, nan_ok=True), tx_id
    assert features["amount"].tolist() == [20.0, 20.0, 900.0]


async def test_a_lookback_too_short_changes_the_redshift_features(
    redshift_only: None, area_db: AreaDb, history: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bounds are applied (not decoration): cut the look-back to the card's 30 days and
    the terminal's delayed windows lose rows on the Redshift implementation only."""
    # (redshift_only: the PostgreSQL training query frames its own window)
    await area_db.load(history)
    end = START + dt.timedelta(hours=12)
    async with area_db.wh.session() as s:
        full = pd.DataFrame(await s.training_rows(START, end), columns=list(TRAINING_COLUMNS))
        monkeypatch.setattr(feature_sql, "FEATURE_LOOKBACK", dt.timedelta(hours=720))
        cut = pd.DataFrame(await s.training_rows(START, end), columns=list(TRAINING_COLUMNS))
    assert (full["term_count_30d"] > cut["term_count_30d"]).any()
    assert (full["cust_count_30d"] == cut["cust_count_30d"]).all()
