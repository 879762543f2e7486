"""What the evaluation protocol reads besides features: the cards known to be compromised, and
the fraud scenario of each fraud (when the labels carry one)."""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class EvaluationOps(Protocol):
    async def known_frauds(
        self, start: dt.datetime, end: dt.datetime
    ) -> list[tuple[str, dt.datetime]]:
        """``(card_token, tx_time)`` of every labelled fraud with ``start <= tx_time < end``.
        Every label counts, whenever it arrived: the protocol's delay period already stands for
        the time labels take."""

    async def fraud_scenarios(self, start: dt.datetime, end: dt.datetime) -> list[tuple[str, int]]:
        """``(tx_id, fraud_scenario)`` of every labelled fraud with ``start <= tx_time < end``
        whose label names a scenario."""
