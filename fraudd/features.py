"""The feature definition: names, order, SQL for both paths, and investigator wording.

One definition (DESIGN.md invariant 5): ``queries/features_select.sql`` holds one expression per
feature, included by ``features_training.sql`` (window frames over a date range) and
``features_serving.sql`` (index-bounded subqueries for a batch of tx_ids). Both compute the same
per-transaction aggregates, so a transaction gets the same features on both paths.

Conventions (both paths):

* customer windows ``(t - n, t]`` include the transaction itself (it is in the table when it is
  scored), so counts are >= 1 and means are defined;
* terminal windows are delayed: ``(t - 7d - n, t - 7d]``; a fraud counts only if its label was
  known at t (``labelled_at <= t``, invariant 6); risk = known frauds / transactions in the
  window, 0 when the window is empty;
* the terminal's recent window ``(t - 7d, t)`` counts only frauds whose label had arrived by t
  (labels take 1 to 7 days, so some have); strictly before t, so a transaction's own label
  never feeds its features;
* NULL (NaN in arrays) means "no such history": no earlier transaction of the card in 30 days
  (amount ratio and z-score), no known terminal fraud (days since first/latest fraud). XGBoost
  treats NaN as missing.

Measured on the simulator (5 test weeks, see the model report): the handbook's 15 baseline
features plus the amount against the card's history (ratio, z-score), the terminal's known frauds
and their timing, and the terminal's recent traffic. Also measured and dropped because they did
not help there: card velocity in the last hour, time since the card's previous transaction, and
distance from the card's usual terminals (the simulator has no fraud of those kinds).

The terminal's frauds of the last 7 days already confirmed, and the days since its latest
confirmed fraud in either window, catch compromised terminals (scenario 2) days before the
delayed window sees them: on three test weeks (test starts 2018-07-25, 08-08, 08-22; 90
training days) Card Precision@100 rose from 0.321/0.287/0.274 to 0.357/0.320/0.340 and AP from
0.757/0.750/0.706 to 0.835/0.810/0.834. Measured and dropped: the card's confirmed frauds of the
last 14 days and the days since the latest (scenario 3; no gain, the evaluation already drops
cards known to be compromised), the terminal's recent risk (known frauds / transactions), its
7-day traffic and its first recent known fraud (no gain over the two kept).
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

from fraudd.warehouse import FeatureQueries, Session, Warehouse, feature_queries

FEATURES: Final[tuple[str, ...]] = (
    "amount",
    "is_weekend",
    "is_night",
    "cust_count_1d",
    "cust_mean_amount_1d",
    "cust_count_7d",
    "cust_mean_amount_7d",
    "cust_count_30d",
    "cust_mean_amount_30d",
    "term_count_1d",
    "term_risk_1d",
    "term_count_7d",
    "term_risk_7d",
    "term_count_30d",
    "term_risk_30d",
    "amount_ratio_30d",
    "amount_z_30d",
    "term_count_recent_1d",
    "term_frauds_30d",
    "term_days_since_first_fraud",
    "term_days_since_last_fraud",
    "term_known_frauds_recent_7d",
    "term_days_since_known_fraud",
)
"""Every feature, in model input order: the single source of truth for the list and its order."""

REASONS: Final[Mapping[str, str]] = {
    "amount": "amount {amount:.2f} is unusually high",
    "is_weekend": "weekend transaction",
    "is_night": "night-time transaction (before 07:00 UTC)",
    "cust_count_1d": "card used {cust_count_1d:.0f} times in the last 24 hours",
    "cust_mean_amount_1d": "card's average amount in the last 24 hours is "
    "{cust_mean_amount_1d:.2f}",
    "cust_count_7d": "card used {cust_count_7d:.0f} times in the last 7 days",
    "cust_mean_amount_7d": "card's average amount in the last 7 days is {cust_mean_amount_7d:.2f}",
    "cust_count_30d": "card used {cust_count_30d:.0f} times in the last 30 days",
    "cust_mean_amount_30d": "card's 30-day average amount is {cust_mean_amount_30d:.2f}",
    "term_count_1d": "terminal had {term_count_1d:.0f} transactions on the day a week ago",
    "term_risk_1d": "{term_risk_1d:.0%} of the terminal's transactions a week ago were "
    "confirmed fraud",
    "term_count_7d": "terminal had {term_count_7d:.0f} transactions in the week before last",
    "term_risk_7d": "{term_risk_7d:.0%} of the terminal's transactions in the week before last "
    "were confirmed fraud",
    "term_count_30d": "terminal had {term_count_30d:.0f} transactions in the 30 days before "
    "last week",
    "term_risk_30d": "{term_risk_30d:.0%} of the terminal's transactions in the 30 days before "
    "last week were confirmed fraud",
    "amount_ratio_30d": "amount is {amount_ratio_30d:.1f}× the card's 30-day average",
    "amount_z_30d": "amount is {amount_z_30d:.1f} standard deviations from the card's 30-day "
    "average",
    "term_count_recent_1d": "terminal had {term_count_recent_1d:.0f} transactions in the last "
    "24 hours",
    "term_frauds_30d": "terminal had {term_frauds_30d:.0f} confirmed frauds in the 30 days "
    "before last week",
    "term_days_since_first_fraud": "terminal's first confirmed fraud of the last 37 days was "
    "{term_days_since_first_fraud:.0f} days ago",
    "term_days_since_last_fraud": "terminal's latest confirmed fraud before last week was "
    "{term_days_since_last_fraud:.0f} days ago",
    "term_known_frauds_recent_7d": "terminal had {term_known_frauds_recent_7d:.0f} confirmed "
    "frauds in the last 7 days",
    "term_days_since_known_fraud": "terminal's latest confirmed fraud was "
    "{term_days_since_known_fraud:.1f} days ago",
}
"""Investigator wording of each feature as a reason code, formatted with the row's values."""

# The SQL assembly lives with the warehouse (one owner); re-exported for the training path.
__all__ = ["FEATURES", "REASONS", "FeatureQueries", "feature_matrix", "feature_queries"]


def feature_matrix(rows: Sequence[Sequence[object]], tx_ids: Sequence[str]) -> np.ndarray:
    """``(tx_id, *features)`` rows as float64 ``(len(tx_ids), n)`` in the order of ``tx_ids``.

    Columns follow :data:`FEATURES`; NULL becomes NaN. Raises KeyError if a tx_id has no row
    (the consumer inserts the batch first).
    """
    if not tx_ids:
        return np.empty((0, len(FEATURES)), dtype=np.float64)
    by_id = {row[0]: row[1:] for row in rows}
    missing = [t for t in tx_ids if t not in by_id]
    if missing:
        raise KeyError(f"{len(missing)} transactions not found, e.g. {missing[0]!r}")
    return np.array([by_id[t] for t in tx_ids], dtype=np.float64).reshape(-1, len(FEATURES))


TRAINING_COLUMNS: Final[tuple[str, ...]] = (
    "tx_id",
    "tx_time",
    "customer_id",
    "card_token",
    *FEATURES,
    "is_fraud",
)


async def training_features(session: Session, start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
    """Features and labels of every transaction with ``start <= tx_time < end``.

    Columns: :data:`TRAINING_COLUMNS` (features float64, ``is_fraud`` int8: a missing label
    counts as genuine, as a transaction without chargeback). Sorted by (tx_time, tx_id).
    For training and evaluation only: the label never comes from the stream.
    """
    rows = await session.training_rows(start, end)
    frame = pd.DataFrame(rows, columns=list(TRAINING_COLUMNS))
    frame[list(FEATURES)] = frame[list(FEATURES)].astype(np.float64)
    frame["is_fraud"] = frame["is_fraud"].astype(np.int8)
    frame["tx_time"] = pd.to_datetime(frame["tx_time"], utc=True)
    return frame


async def training_features_parallel(
    wh: Warehouse, start: dt.datetime, end: dt.datetime, parts: int = 2
) -> pd.DataFrame:
    """:func:`training_features` over ``parts`` consecutive sub-ranges on as many pooled
    sessions at once: the window queries are single-threaded per connection, so this uses
    more server cores (each part re-reads its 37-day look-back, a small overhead)."""
    step = (end - start) / parts
    bounds = [start + i * step for i in range(parts)] + [end]

    async def part(lo: dt.datetime, hi: dt.datetime) -> pd.DataFrame:
        async with wh.session() as session:
            return await training_features(session, lo, hi)

    frames = await asyncio.gather(*(part(lo, hi) for lo, hi in itertools.pairwise(bounds)))
    return pd.concat(frames, ignore_index=True)


def reason_text(name: str, values: Mapping[str, float]) -> str:
    """Investigator wording of feature ``name`` for one transaction's feature ``values``."""
    template = REASONS[name]
    if any(math.isnan(values.get(key, math.nan)) for key in _keys(template)):
        return name.replace("_", " ")
    return template.format_map(values)


def _keys(template: str) -> list[str]:
    return [part.split("}")[0].split(":")[0] for part in template.split("{")[1:]]
