"""The feature SQL of one dialect: the serving and the training query, both including
``features_select.sql`` (DESIGN.md invariant 5: one definition for both paths; on Redshift they
also share their window aggregates, ``features_windows.sql``).

The one owner of the feature SQL's assembly: :func:`feature_queries` (the rendered queries),
:func:`bind` (their named parameters), :func:`serving_call`, :func:`training_call`,
:func:`scoring_sql` and :data:`FEATURE_LOOKBACK`. The scoring and training areas call them.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from fraudd.warehouse.base import Dialect
from fraudd.warehouse.sqlfiles import load_query, validate_identifier

_PARAMETER = re.compile(r"/\*([a-z_]+)(:list)?\*/%s")
FEATURE_LOOKBACK: Final[dt.timedelta] = dt.timedelta(hours=888)
"""The widest window of any feature before a transaction (the terminal's delayed 30 days:
``(t - 888 h, t - 168 h]``). The Redshift feature SQL bounds every scan of ``transactions`` by
``scan_from = first tx_time - FEATURE_LOOKBACK``; a test checks that no window reaches further."""


@dataclass(frozen=True)
class FeatureQueries:
    """The rendered feature SQL of one dialect and schema (load once, at start-up)."""

    dialect: Dialect
    serving: str
    training: str


@functools.lru_cache(maxsize=16)
def feature_queries(dialect: Dialect, schema: str, root: Path | None = None) -> FeatureQueries:
    """Load ``features_{serving,training}.sql``, their includes resolved."""
    return FeatureQueries(
        dialect=dialect,
        serving=load_query(dialect, "features_serving", root=root, schema=schema),
        training=load_query(dialect, "features_training", root=root, schema=schema),
    )


def bind(sql: str, values: Mapping[str, object]) -> tuple[str, list[object]]:
    """Bind a query's named parameters: each ``/*name*/%s`` takes ``values[name]``, each
    ``/*name:list*/%s`` becomes one placeholder per item of ``values[name]`` (an IN list).

    Returns the SQL with plain ``%s`` placeholders and the parameters in their order. A ``%s``
    without a marker is an error: parameters are never matched by position by hand.
    """
    params: list[object] = []

    def one(match: re.Match[str]) -> str:
        value = values[match.group(1)]
        if match.group(2):
            items = list(value)  # type: ignore[call-overload]
            params.extend(items)
            return ", ".join(["%s"] * len(items))
        params.append(value)
        return "%s"

    bound = _PARAMETER.sub(one, sql)
    if bound.count("%s") != len(params):
        raise ValueError("a %s placeholder of the feature SQL has no /*name*/ marker")
    return bound, params


def serving_call(
    serving: str, tx_ids: Sequence[str], first: dt.datetime, last: dt.datetime
) -> tuple[str, list[object]]:
    """SQL and parameters for one batch whose tx_times lie in ``[first, last]``."""
    values = {"tx_ids": list(tx_ids), "first": first, "last": last}
    return bind(serving, values | {"scan_from": first - FEATURE_LOOKBACK, "scan_to": last})


def training_call(training: str, start: dt.datetime, end: dt.datetime) -> tuple[str, list[object]]:
    """SQL and parameters for the training rows with ``start <= tx_time < end``."""
    bounds = {"scan_from": start - FEATURE_LOOKBACK, "scan_to": end}
    return bind(training, {"start": start, "end": end} | bounds)


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
