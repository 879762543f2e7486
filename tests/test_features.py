"""One feature definition (invariant 5) and no label leakage (invariant 6), on real PostgreSQL.

The same transactions get their features from the training path (window frames over a date
range) and from the serving path (index-bounded subqueries for a batch of tx_ids); both must
agree to 1e-9. Labels arrive 1 to 7 days after their transaction (as in ``fraudd simulate
history``), so the recent-window terminal features have known frauds to compare. Labels that
arrive after t (in the delayed window or the recent one), and the transaction's own label even
when known at t, must not move the features of a transaction at t; a label known in time must.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from fraudd.features import (
    FEATURES,
    REASONS,
    feature_matrix,
    feature_queries,
    reason_text,
    training_features,
    training_features_parallel,
)
from fraudd.warehouse import Connection, Dialect
from fraudd.warehouse.features import serving_call, training_call
from tests.model.fixtures import ModelDb, load_history, model_db, small_history

__all__ = ["model_db", "small_history"]

UTC = dt.UTC
START = dt.datetime(2018, 5, 12, tzinfo=UTC)
END = dt.datetime(2018, 5, 15, tzinfo=UTC)
TERMINAL_FEATURES = [f for f in FEATURES if f.startswith("term_") and "recent" not in f]


async def both_paths(
    conn: Connection, db: ModelDb, start: dt.datetime, end: dt.datetime
) -> tuple[pd.DataFrame, np.ndarray]:
    training = await training_features(db.on(conn), start, end)
    serving = await serving_features(conn, db, training["tx_id"].tolist())
    return training, serving


async def serving_features(
    conn: Connection, db: ModelDb, tx_ids: list[str], dialect: Dialect = "postgres"
) -> np.ndarray:
    """The serving path as the scoring session runs it: the serving SQL bounded by the batch's
    tx_time range (read back here; a batch knows its own), then the matrix."""
    if not tx_ids:
        return feature_matrix([], [])
    times = await conn.fetch(
        f"SELECT tx_time FROM {db.schema}.transactions WHERE tx_id = ANY(%s)", tx_ids
    )
    first = min((t[0] for t in times), default=START)
    last = max((t[0] for t in times), default=START)
    serving = feature_queries(dialect, db.schema).serving
    sql, params = serving_call(serving, tx_ids, first, last)
    return feature_matrix(await conn.fetch(sql, *params), tx_ids)


def assert_same(training: pd.DataFrame, serving: np.ndarray) -> None:
    expected = training.loc[:, list(FEATURES)].to_numpy(np.float64)
    for i, name in enumerate(FEATURES):
        np.testing.assert_allclose(
            serving[:, i], expected[:, i], rtol=1e-9, atol=1e-9, equal_nan=True, err_msg=name
        )


async def test_training_and_serving_paths_agree(
    model_db: ModelDb, small_history: pd.DataFrame
) -> None:
    async with model_db.wh.acquire() as conn:
        await load_history(conn, model_db.schema, small_history, spread_labels=True)
        training, serving = await both_paths(conn, model_db, START, END)
    assert len(training) > 1000
    assert_same(training, serving)
    # The comparison is not vacuous: every feature varies, terminal frauds are present.
    assert (training.loc[:, list(FEATURES)].nunique() > 1).all()
    assert training["term_frauds_30d"].max() > 0
    assert training["term_known_frauds_recent_7d"].max() > 0
    assert training["is_fraud"].sum() > 0


async def test_history_free_transactions(model_db: ModelDb, small_history: pd.DataFrame) -> None:
    """A new card at a new terminal without coordinates: defined values, never dropped."""
    t = dt.datetime(2018, 5, 13, 12, tzinfo=UTC)
    async with model_db.wh.acquire() as conn:
        await load_history(conn, model_db.schema, small_history, spread_labels=True)
        await conn.execute(
            f"INSERT INTO {model_db.schema}.transactions (tx_id, tx_time, customer_id, "
            "terminal_id, card_token, amount) VALUES ('new-1', %s, 'c-new', 't-new', "
            "'tok_new', 12.5)",
            t,
        )
        training, serving = await both_paths(conn, model_db, START, END)
    assert_same(training, serving)
    row = dict(zip(FEATURES, serving[training["tx_id"].tolist().index("new-1")], strict=True))
    assert row["cust_count_1d"] == row["cust_count_30d"] == 1  # itself
    assert row["cust_mean_amount_30d"] == 12.5
    assert row["term_count_30d"] == 0 and row["term_risk_30d"] == 0
    assert row["term_known_frauds_recent_7d"] == 0
    for name in (
        "amount_ratio_30d",
        "amount_z_30d",
        "term_days_since_first_fraud",
        "term_days_since_last_fraud",
        "term_days_since_known_fraud",
    ):
        assert np.isnan(row[name]), name


async def test_serving_rejects_unknown_transactions(model_db: ModelDb) -> None:
    async with model_db.wh.acquire() as conn:
        with pytest.raises(KeyError):
            await serving_features(conn, model_db, ["nope"])
        empty = await serving_features(conn, model_db, [])
    assert empty.shape == (0, len(FEATURES))


async def _terminal_case(conn: Connection, db: ModelDb) -> tuple[str, dt.datetime, str]:
    """A transaction at t whose terminal has a genuine transaction in its delayed window."""
    row = await conn.fetchrow(
        f"SELECT b.tx_id, b.tx_time, b.terminal_id FROM {db.schema}.transactions b "
        f"WHERE b.tx_time >= %s AND b.tx_time < %s AND EXISTS (SELECT 1 FROM "
        f"{db.schema}.transactions u JOIN {db.schema}.labels l ON l.tx_id = u.tx_id "
        "WHERE u.terminal_id = b.terminal_id AND NOT l.is_fraud "
        "AND u.tx_time > b.tx_time - interval '37 days' "
        "AND u.tx_time <= b.tx_time - interval '7 days') "
        "AND NOT EXISTS (SELECT 1 FROM "
        f"{db.schema}.transactions u JOIN {db.schema}.labels l ON l.tx_id = u.tx_id "
        "WHERE u.terminal_id = b.terminal_id AND l.is_fraud "
        "AND u.tx_time > b.tx_time - interval '60 days') ORDER BY b.tx_time LIMIT 1",
        START,
        END,
    )
    assert row is not None
    return row[0], row[1], row[2]


async def _features_of(
    conn: Connection, db: ModelDb, tx_id: str, t: dt.datetime
) -> tuple[np.ndarray, np.ndarray]:
    training = await training_features(db.on(conn), t, t + dt.timedelta(seconds=1))
    trained = training.set_index("tx_id").loc[[tx_id], list(FEATURES)].to_numpy(np.float64)[0]
    served = (await serving_features(conn, db, [tx_id]))[0]
    np.testing.assert_allclose(served, trained, rtol=1e-9, atol=1e-9, equal_nan=True)
    return served, trained


async def _flip(
    conn: Connection,
    db: ModelDb,
    terminal: str,
    lo: str,
    hi: str,
    t: dt.datetime,
    labelled_at: dt.datetime | None,
) -> int:
    """Mark the terminal's transactions in (t - lo, t - hi] as fraud, labelled at
    ``labelled_at`` (None: one minute after each transaction)."""
    return await conn.execute(
        f"UPDATE {db.schema}.labels l SET is_fraud = true, "
        "labelled_at = COALESCE(%s, u.tx_time + interval '1 minute') "
        f"FROM {db.schema}.transactions u WHERE u.tx_id = l.tx_id AND u.terminal_id = %s "
        f"AND u.tx_time > %s::timestamptz - interval '{lo}' "
        f"AND u.tx_time <= %s::timestamptz - interval '{hi}'",
        labelled_at,
        terminal,
        t,
        t,
    )


async def test_labels_not_known_at_t_do_not_leak(
    model_db: ModelDb, small_history: pd.DataFrame
) -> None:
    async with model_db.wh.acquire() as conn:
        await load_history(conn, model_db.schema, small_history, spread_labels=True)
        tx_id, t, terminal = await _terminal_case(conn, model_db)
        before, _ = await _features_of(conn, model_db, tx_id, t)
        assert before[FEATURES.index("term_frauds_30d")] == 0
        assert before[FEATURES.index("term_known_frauds_recent_7d")] == 0
        # Frauds in the delayed window and in (t - 7d, t), labelled one hour after t: not known
        # at t (late labels), in either window.
        late = t + dt.timedelta(hours=1)
        assert await _flip(conn, model_db, terminal, "37 days", "7 days", t, late) > 0
        assert await _flip(conn, model_db, terminal, "7 days", "1 second", t, late) > 0
        # The transaction's own label, even known at t exactly.
        await conn.execute(
            f"UPDATE {model_db.schema}.labels SET is_fraud = true, labelled_at = %s "
            "WHERE tx_id = %s",
            t,
            tx_id,
        )
        after, _ = await _features_of(conn, model_db, tx_id, t)
        np.testing.assert_array_equal(after, before)
        # Positive control: the same late labels are known two hours after t, in both windows.
        later = t + dt.timedelta(hours=2)
        await conn.execute(
            f"INSERT INTO {model_db.schema}.transactions (tx_id, tx_time, customer_id, "
            "terminal_id, card_token, amount) VALUES ('probe', %s, 'c-probe', %s, 'tok_p', 1)",
            later,
            terminal,
        )
        probe, _ = await _features_of(conn, model_db, "probe", later)
    assert probe[FEATURES.index("term_frauds_30d")] > 0
    assert probe[FEATURES.index("term_risk_30d")] > 0
    assert probe[FEATURES.index("term_known_frauds_recent_7d")] > 0
    # the latest known fraud is now the probed transaction itself, two hours earlier
    assert probe[FEATURES.index("term_days_since_known_fraud")] == pytest.approx(2 / 24)


def test_every_feature_has_reason_wording() -> None:
    assert set(REASONS) == set(FEATURES)
    values = dict.fromkeys(FEATURES, 2.0) | {"amount_ratio_30d": 6.1}
    assert reason_text("amount_ratio_30d", values) == "amount is 6.1× the card's 30-day average"
    assert reason_text("amount_ratio_30d", {"amount_ratio_30d": float("nan")}) == (
        "amount ratio 30d"
    )
    for name in FEATURES:
        assert reason_text(name, values)


async def test_redshift_definition_gives_the_same_features(
    model_db: ModelDb, small_history: pd.DataFrame
) -> None:
    """The Redshift SQL (self-joins instead of RANGE frames) parses as Redshift and, run on
    PostgreSQL, reproduces the PostgreSQL definition on both of its paths."""
    sqlglot = pytest.importorskip("sqlglot")
    redshift = feature_queries("redshift", model_db.schema)
    for sql, _ in (
        serving_call(redshift.serving, ["t1", "t2"], START, END),
        training_call(redshift.training, START, END),
    ):
        assert len(sqlglot.parse(sql.replace("%s", "'2018-05-01'"), read="redshift")) == 1
    start, end = START, START + dt.timedelta(days=1)
    async with model_db.wh.acquire() as conn:
        await load_history(conn, model_db.schema, small_history, spread_labels=True)
        expected = await training_features(model_db.on(conn), start, end)
        training = await training_features(model_db.on(conn, "redshift"), start, end)
        ids = expected["tx_id"].tolist()
        serving = await serving_features(conn, model_db, ids, "redshift")
    assert training["tx_id"].tolist() == expected["tx_id"].tolist()
    assert training["is_fraud"].tolist() == expected["is_fraud"].tolist()
    assert_same(expected, training.loc[:, list(FEATURES)].to_numpy(np.float64))
    assert_same(expected, serving)


async def test_parallel_training_features_equal_one_query(
    model_db: ModelDb, small_history: pd.DataFrame
) -> None:
    async with model_db.wh.acquire() as conn:
        await load_history(conn, model_db.schema, small_history, spread_labels=True)
        whole = await training_features(model_db.on(conn), START, END)
    parts = await training_features_parallel(model_db.wh, START, END, parts=3)
    pd.testing.assert_frame_equal(parts, whole)
