"""The features as the model sees them: names, order and reason wording, all from the feature
catalog (:mod:`fraudd.feature_catalog`, ``catalog.toml`` then ``record.toml``: one declaration
per feature, what chose them in their headers), and the matrices the two paths give.

One definition (DESIGN.md invariant 5): the warehouse compiles the catalog into the serving query
(index-bounded subqueries for a batch of tx_ids) and the training query (window frames over a
date range) of each dialect (:mod:`fraudd.warehouse.feature_sql`), so a transaction
gets the same features on both paths; a fraud label counts only once known at t (invariant 6).
NULL (NaN in arrays) means "no such history"; XGBoost treats NaN as missing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Final

import numpy as np
import pandas as pd

from fraudd.feature_catalog import Catalog, built_in
from fraudd.model.record import ModelRecord
from fraudd.warehouse import FeatureQueries, Session, Warehouse, feature_queries

FEATURES: Final[tuple[str, ...]] = built_in().features
"""The built-in catalog's features, in model input order (its declarations not hidden). The
product computes and scores the configured catalog's (``settings.features.selected()``,
``session.catalog``); this is the default the tests and benchmarks run."""

REASONS: Final[Mapping[str, str]] = built_in().reasons
"""The built-in catalog's investigator wording of each feature as a reason code."""

KEYS: Final[tuple[str, ...]] = ("tx_id", "tx_time", "customer_id", "card_token")
"""The columns of a training row before its features (``is_fraud`` follows them)."""
_NOT_FEATURES = frozenset((*KEYS, "is_fraud"))

# The SQL assembly lives with the warehouse (one owner); re-exported for the training path.
__all__ = ["FEATURES", "REASONS", "FeatureQueries", "feature_matrix", "feature_queries"]


def feature_matrix(
    rows: Sequence[Sequence[object]], tx_ids: Sequence[str], width: int = len(FEATURES)
) -> np.ndarray:
    """``(tx_id, *features)`` rows as float64 ``(len(tx_ids), width)`` in the order of
    ``tx_ids``.

    Columns follow the catalog's features (``width`` of them); NULL becomes NaN. Raises
    KeyError if a tx_id has no row (the consumer inserts the batch first).
    """
    if not tx_ids:
        return np.empty((0, width), dtype=np.float64)
    by_id = {row[0]: row[1:] for row in rows}
    missing = [t for t in tx_ids if t not in by_id]
    if missing:
        raise KeyError(f"{len(missing)} transactions not found, e.g. {missing[0]!r}")
    return np.array([by_id[t] for t in tx_ids], dtype=np.float64).reshape(-1, width)


TRAINING_COLUMNS: Final[tuple[str, ...]] = (*KEYS, *FEATURES, "is_fraud")
"""The columns of the built-in catalog's training rows."""


def features_of(frame: pd.DataFrame) -> list[str]:
    """The feature columns of a :func:`training_features` frame, in model input order: all
    but the keys and the label."""
    return [str(c) for c in frame.columns if c not in _NOT_FEATURES]


def catalog_metadata(catalog: Catalog) -> dict[str, str]:
    """What a model version records of the catalog it was trained with."""
    return {"fingerprint": catalog.fingerprint, "toml": catalog.text}


class CatalogMismatch(Exception):
    """A model would be scored with features of another catalog than it was trained with."""


def refusal(record: ModelRecord, catalog: Catalog) -> str | None:
    """Why ``record`` may not be scored under ``catalog`` (one line saying to retrain), or None
    when it was trained with a catalog of the same fingerprint (DESIGN.md invariant 5: its
    features are computed as they were at training)."""
    if record.catalog_fingerprint == catalog.fingerprint:
        return None
    return (
        f"model {record.version} was trained with feature catalog "
        f"{record.catalog_fingerprint[:12]}, but features.catalog selects "
        f"{catalog.fingerprint[:12]}: retrain under this catalog (`fraudd train`) or configure "
        "the catalog the model was trained with"
    )


async def training_features(session: Session, start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
    """Features and labels of every transaction with ``start <= tx_time < end``.

    Columns: :data:`KEYS`, the session's catalog's features (float64), ``is_fraud`` (int8: a
    missing label counts as genuine, as a transaction without chargeback). Sorted by
    (tx_time, tx_id). For training and evaluation only: the label never comes from the stream.
    """
    rows = await session.training_rows(start, end)
    names = list(session.catalog.features)
    frame = pd.DataFrame(rows, columns=[*KEYS, *names, "is_fraud"])
    frame[names] = frame[names].astype(np.float64)
    frame["is_fraud"] = frame["is_fraud"].astype(np.int8)
    frame["tx_time"] = pd.to_datetime(frame["tx_time"], utc=True)
    return frame


async def training_features_parallel(
    wh: Warehouse, start: dt.datetime, end: dt.datetime, parts: int = 2
) -> pd.DataFrame:
    """:func:`training_features` over ``parts`` consecutive sub-ranges on as many pooled
    sessions at once: the window queries are single-threaded per connection, so this uses
    more server cores (each part re-reads the catalog's look-back, a small overhead)."""
    step = (end - start) / parts
    bounds = [start + i * step for i in range(parts)] + [end]

    async def part(lo: dt.datetime, hi: dt.datetime) -> pd.DataFrame:
        async with wh.session() as session:
            return await training_features(session, lo, hi)

    frames = await asyncio.gather(*(part(lo, hi) for lo, hi in itertools.pairwise(bounds)))
    return pd.concat(frames, ignore_index=True)


def reason_text(
    name: str, values: Mapping[str, float], reasons: Mapping[str, str] = REASONS
) -> str:
    """Investigator wording (``reasons``, the catalog's) of feature ``name`` for one
    transaction's feature ``values``."""
    template = reasons[name]
    if any(math.isnan(values.get(key, math.nan)) for key in _keys(template)):
        return name.replace("_", " ")
    return template.format_map(values)


def _keys(template: str) -> list[str]:
    return [part.split("}")[0].split(":")[0] for part in template.split("{")[1:]]
