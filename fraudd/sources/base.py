"""What every source of swipes provides: drafts in event-time order and a simulated clock.

A source yields swipe drafts in event-time order. Drafts carry the simulator's ground truth
(``is_fraud``) for the producer's own bookkeeping — declines and delayed labels — but that truth
never goes into the stream (invariant 6).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Draft:
    """One swipe before it is stamped with its production time."""

    tx_id: str
    tx_time: datetime
    card_token: str
    last4: str
    customer_id: str
    terminal_id: str
    amount: float
    merchant_category: str | None
    channel: str | None
    terminal_x: float | None
    terminal_y: float | None
    is_fraud: bool | None = None
    fraud_scenario: int | None = None
    currency: str | None = None
    """ISO 4217 code; None: the default currency (:data:`fraudd.columns.DEFAULT_CURRENCY`)."""


class Source(Protocol):
    def take(self, n: int) -> list[Draft]:
        """The next ``n`` swipes in event-time order."""

    def clock(self) -> datetime:
        """The source's current (simulated) time: event time of the last swipe taken."""
