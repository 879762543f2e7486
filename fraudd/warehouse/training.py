"""The training and evaluation area: features and labels of a date range, from the one feature
definition (DESIGN.md invariant 5: the training and the serving query are compiled from one
catalog), the cards the evaluation protocol knows to be compromised, and the fraud scenario of
each fraud (when the labels carry one). One implementation: the feature SQL differs by dialect,
the calls do not.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from fraudd.warehouse.base import Row
from fraudd.warehouse.features import training_call
from fraudd.warehouse.session import SessionBase, statement


class TrainingOps(Protocol):
    async def training_rows(self, start: dt.datetime, end: dt.datetime) -> list[Row]:
        """``(tx_id, tx_time, customer_id, card_token, *features, is_fraud)`` of every
        transaction with ``start <= tx_time < end``, sorted by (tx_time, tx_id). A missing label
        is ``false``. For training and evaluation only: the stream never carries the label."""

    async def known_frauds(
        self, start: dt.datetime, end: dt.datetime
    ) -> list[tuple[str, dt.datetime]]:
        """``(card_token, tx_time)`` of every labelled fraud with ``start <= tx_time < end``.
        Every label counts, whenever it arrived: the protocol's delay period already stands for
        the time labels take."""

    async def fraud_scenarios(self, start: dt.datetime, end: dt.datetime) -> list[tuple[str, int]]:
        """``(tx_id, fraud_scenario)`` of every labelled fraud with ``start <= tx_time < end``
        whose label names a scenario."""


class Training(SessionBase):
    async def training_rows(self, start: dt.datetime, end: dt.datetime) -> list[Row]:
        queries = self.features
        sql, params = training_call(queries.training, start, end, queries.lookback)
        return await self.conn.fetch(sql, *params)

    known_frauds = statement(
        "evaluation", "known_frauds", "all", lambda rows: [(str(r[0]), r[1]) for r in rows]
    )
    fraud_scenarios = statement(
        "evaluation", "fraud_scenarios", "all", lambda rows: [(str(r[0]), int(r[1])) for r in rows]
    )
