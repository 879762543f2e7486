"""The feature SQL assembly of the warehouse layer (fraudd/warehouse/features.py): the
queries of each dialect, their look-back, named parameters and Redshift ML's scoring statement.

That both paths give the same features on each implementation is tests/test_features.py
(invariant 5); that the look-back is applied, the training area's own test_training.py."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import sqlglot

from fraudd.feature_catalog import built_in
from fraudd.feature_catalog.plan import plan
from fraudd.features import FEATURES
from fraudd.settings import Settings
from fraudd.warehouse.features import (
    FEATURE_LOOKBACK,
    bind,
    feature_queries,
    scoring_sql,
    serving_call,
    training_call,
)
from fraudd.warehouse.session import Statements

START = dt.datetime(2018, 5, 1, tzinfo=dt.UTC)


def test_redshift_ml_scoring_sql_parses_and_calls_the_function() -> None:
    serving = feature_queries("redshift", "fraudd").serving
    sql = scoring_sql(serving, "fraudd", "fraudd_predict", FEATURES)
    assert "fraudd.fraudd_predict(f.amount, f.is_weekend" in sql
    bound, _ = serving_call(sql, ["t1"], START, START)
    parsed = sqlglot.parse_one(bound.replace("%s", "'t1'"), read="redshift")
    assert parsed is not None


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
    The batch is read once, and the windows join one bounded scan ``u`` (feature_sql.py)."""
    queries = feature_queries("redshift", "fraudd")
    for sql, low, high in ((queries.serving, "first", "last"), (queries.training, "start", "end")):
        base = rf"FROM fraudd\.transactions t\n\s+WHERE [^\n]*\n\s+AND t\.tx_time >= /\*{low}\*/%s"
        windows = (
            r"FROM fraudd\.transactions s\n"
            r"\s+WHERE s\.tx_time > /\*scan_from\*/%s AND s\.tx_time <= /\*scan_to\*/%s\n"
        )
        assert len(re.findall(r"(?:FROM|JOIN) fraudd\.transactions", sql)) == 2  # batch + windows
        assert len(re.findall(windows, sql)) == 1, sql
        groups = len(plan(built_in()).groups)  # card, terminal delayed and recent, card in MCC
        assert len(re.findall(r"LEFT JOIN u\n", sql)) == groups == 4, sql
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


def test_bind_expands_list_markers_and_keeps_the_order_of_the_sql() -> None:
    sql = "WHERE tx_id IN (/*ids:list*/%s) AND t >= /*first*/%s AND t < /*first*/%s + 1"
    bound, params = bind(sql, {"ids": ("a", "b", "c"), "first": 7, "unused": 0})
    assert bound == "WHERE tx_id IN (%s, %s, %s) AND t >= %s AND t < %s + 1"
    assert params == ["a", "b", "c", 7, 7]
    with pytest.raises(KeyError, match="first"):
        bind(sql, {"ids": ["a"]})


@pytest.mark.parametrize("dialect", ["postgres", "redshift"])
def test_feature_queries_are_rendered_for_the_schema_once(dialect: str) -> None:
    queries = feature_queries(dialect, "fraud_x")  # type: ignore[arg-type]
    for sql in (queries.serving, queries.training):
        assert "fraud_x.transactions" in sql and "{" not in sql
        assert "fraudd.transactions" not in sql and "fraudd.labels" not in sql
    assert feature_queries(dialect, "fraud_x") is queries  # type: ignore[arg-type]


def test_scoring_sql_takes_only_identifiers() -> None:
    serving = feature_queries("redshift", "fraudd").serving
    for schema, function, features in (
        ("fraudd; DROP TABLE x", "fraudd_predict", FEATURES),
        ("fraudd", "predict()", FEATURES),
        ("fraudd", "fraudd_predict", [*FEATURES, "amount) --"]),
    ):
        with pytest.raises(ValueError, match="not a valid SQL identifier"):
            scoring_sql(serving, schema, function, features)
    sql = scoring_sql(serving + ";\n", "fraudd", "fraudd_predict", ["amount"])
    assert sql.endswith("\n) f") and ";" not in sql[-10:]  # the query's own ; would end it early


def test_a_catalog_wider_than_the_built_in_one_bounds_its_scans_by_its_own_lookback(
    tmp_path: Path,
) -> None:
    """A user's 60-day window: the pool's queries carry its look-back, and the Redshift scans
    start 60 days before the batch, not the built-in 37 (which would silently drop rows)."""
    path = tmp_path / "wide.toml"
    path.write_text(
        '[[feature]]\nname = "card_count_60d"\nkind = "window"\nentity = "card"\n'
        'function = "count"\nwindow = "60d"\nreason = "{card_count_60d:.0f} swipes"\n'
    )
    settings = Settings().derive(features={"catalog": path, "mode": "extend"})
    queries = Statements("redshift", settings).features
    assert queries.lookback == dt.timedelta(days=60) > FEATURE_LOOKBACK
    _, params = serving_call(queries.serving, ["t1"], START, START, queries.lookback)
    assert START - dt.timedelta(days=60) in params
    _, params = training_call(queries.training, START, START, queries.lookback)
    assert START - dt.timedelta(days=60) in params
