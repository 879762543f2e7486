"""The handbook's evaluation protocol as pure functions over DataFrames (no database, no model).

Le Borgne et al., *Reproducible Machine Learning for Credit Card Fraud Detection*, chapter 3
(``get_train_test_set``) and chapter 4 (``card_precision_top_k``):

* the test period is ``test_days`` calendar days (UTC) from ``test_start``;
* from test day ``d`` remove every card already known to be compromised on that day: a card with
  a fraud in the training period, or on any day up to ``d - delay - 1`` (the handbook feeds the
  frauds of day ``start_train + delta_train + day - 1`` into the known set before testing day
  ``start_train + delta_train + delta_delay + day``);
* AUC ROC and Average Precision are pooled over the remaining test transactions;
* Card Precision@k is computed per day: group the day's transactions by card (max score, max
  label), drop cards detected (true positives in the top k) on earlier test days, take the k
  highest-scored cards, precision = frauds among them / k; the result is the mean over days.

The "training period" is the handbook's: the ``known_days`` days (default 7, its ``delta_train``)
before the delay period. It is fixed rather than taken from the model so that every model is
evaluated on the same test set, whatever training window it used.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

DAY = pd.Timedelta(days=1)


def utc_timestamp(value: dt.date | dt.datetime | str) -> pd.Timestamp:
    """``value`` in UTC: a date means its midnight UTC, a naive time is read as UTC."""
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


@dataclass(frozen=True)
class EvalWindow:
    """The test period and the protocol's delay, as UTC timestamps."""

    test_start: pd.Timestamp
    test_days: int = 7
    delay_days: int = 7
    known_days: int = 7

    @classmethod
    def of(
        cls,
        test_start: dt.date | dt.datetime | str,
        test_days: int = 7,
        delay_days: int = 7,
        known_days: int = 7,
    ) -> EvalWindow:
        """Build from a date (midnight UTC) or a timestamp (see :func:`utc_timestamp`)."""
        return cls(utc_timestamp(test_start), test_days, delay_days, known_days)

    @property
    def test_end(self) -> pd.Timestamp:
        """Exclusive end of the test period."""
        return self.test_start + self.test_days * DAY

    @property
    def known_start(self) -> pd.Timestamp:
        """Start of the handbook's training period whose frauds are known before testing."""
        return self.test_start - (self.delay_days + self.known_days) * DAY

    def day_start(self, index: int) -> pd.Timestamp:
        """Midnight UTC of test day ``index``."""
        return self.test_start + index * DAY


def remove_known_compromised(
    test: pd.DataFrame, frauds: pd.DataFrame, window: EvalWindow, card: str = "card_token"
) -> pd.DataFrame:
    """Drop, from each test day, the cards with a fraud in ``[known_start, day - delay)``.

    ``test`` has ``tx_time`` and ``card``; ``frauds`` lists fraudulent transactions (``tx_time``,
    ``card``) of at least ``[known_start, test_end - delay)``. Rows outside the test period are
    dropped as well. The row order of ``test`` is kept.
    """
    keep = np.zeros(len(test), dtype=bool)
    times = test["tx_time"]
    for i in range(window.test_days):
        day = window.day_start(i)
        in_day = ((times >= day) & (times < day + DAY)).to_numpy()
        known_until = day - window.delay_days * DAY
        known_rows = (frauds["tx_time"] >= window.known_start) & (frauds["tx_time"] < known_until)
        known = set(frauds.loc[known_rows, card])
        keep |= in_day & ~test[card].isin(known).to_numpy()
    return test.loc[keep]


def card_precision_top_k(
    scored: pd.DataFrame, window: EvalWindow, k: int = 100, card: str = "card_token"
) -> list[float]:
    """Card Precision@k for each test day (columns ``tx_time``, ``card``, ``score``, ``is_fraud``).

    Cards detected (frauds in the top k) on a day are removed from the following days.
    """
    detected: set[str] = set()
    per_day = []
    for i in range(window.test_days):
        day = window.day_start(i)
        rows = scored[(scored["tx_time"] >= day) & (scored["tx_time"] < day + DAY)]
        rows = rows[~rows[card].isin(detected)]
        cards = rows.groupby(card, sort=True)[["score", "is_fraud"]].max()
        top = cards.sort_values("score", ascending=False, kind="mergesort").head(k)
        hits = top.index[top["is_fraud"].to_numpy() > 0]
        detected.update(hits)
        per_day.append(len(hits) / k)
    return per_day


def pooled_scores(labels: np.ndarray, scores: np.ndarray) -> tuple[float, float]:
    """(AUC ROC, Average Precision) over all rows; NaN when only one class is present."""
    if len(np.unique(labels)) < 2:
        return float("nan"), float("nan")
    return float(roc_auc_score(labels, scores)), float(average_precision_score(labels, scores))
