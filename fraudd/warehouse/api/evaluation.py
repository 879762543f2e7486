"""What the evaluation protocol reads besides features: the cards known to be compromised."""

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
