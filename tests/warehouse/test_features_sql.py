"""The feature SQL assembly of the warehouse layer (fraudd/warehouse/shared/features.py)."""

from __future__ import annotations

import datetime as dt

import sqlglot

from fraudd.features import FEATURES
from fraudd.warehouse.shared.features import feature_queries, scoring_sql, serving_call

START = dt.datetime(2018, 5, 1, tzinfo=dt.UTC)


def test_redshift_ml_scoring_sql_parses_and_calls_the_function() -> None:
    serving = feature_queries("redshift", "fraudd").serving
    sql = scoring_sql(serving, "fraudd", "fraudd_predict", FEATURES)
    assert "fraudd.fraudd_predict(f.amount, f.is_weekend" in sql
    bound, _ = serving_call(sql, ["t1"], START, START)
    parsed = sqlglot.parse_one(bound.replace("%s", "'t1'"), read="redshift")
    assert parsed is not None
