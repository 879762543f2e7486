"""The feature SQL of one dialect: ``features_select.sql`` spliced into the serving and the
training query (DESIGN.md invariant 5: one definition for both paths)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fraudd.warehouse.base import Dialect
from fraudd.warehouse.sqlfiles import load_query, validate_identifier

_SELECT_MARKER = "/*features_select*/"
_BATCH_MARKER = "/*tx_ids*/%s"


@dataclass(frozen=True)
class FeatureQueries:
    """The rendered feature SQL of one dialect and schema (load once, at start-up)."""

    dialect: Dialect
    serving: str
    training: str


@functools.lru_cache(maxsize=16)
def feature_queries(dialect: Dialect, schema: str, root: Path | None = None) -> FeatureQueries:
    """Load ``features_{serving,training}.sql`` with ``features_select.sql`` spliced in."""
    select = load_query(dialect, "features_select", root=root, schema=schema)
    serving = load_query(dialect, "features_serving", root=root, schema=schema)
    training = load_query(dialect, "features_training", root=root, schema=schema)
    return FeatureQueries(
        dialect=dialect,
        serving=serving.replace(_SELECT_MARKER, select),
        training=training.replace(_SELECT_MARKER, select),
    )


def serving_call(serving: str, tx_ids: Sequence[str]) -> tuple[str, list[object]]:
    """SQL and parameters for one batch: an array on PostgreSQL, an IN list on Redshift."""
    if _BATCH_MARKER in serving:
        placeholders = ", ".join(["%s"] * len(tx_ids))
        return serving.replace(_BATCH_MARKER, placeholders), list(tx_ids)
    return serving, [list(tx_ids)]


def scoring_sql(serving: str, schema: str, function: str, features: Sequence[str]) -> str:
    """``SELECT tx_id, <features>, <function>(<features>) FROM (<serving query>)``: Redshift ML
    computes features and scores in one statement."""
    function = validate_identifier(function)
    columns = ", ".join(f"f.{validate_identifier(name)}" for name in features)
    body = serving.rstrip().rstrip(";")
    return (
        f"SELECT f.tx_id, {columns}, {validate_identifier(schema)}.{function}({columns}) AS score\n"
        f"FROM (\n{body}\n) f"
    )
