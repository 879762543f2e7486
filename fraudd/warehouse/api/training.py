"""What training reads: features and labels of a date range, from the one feature definition
(DESIGN.md invariant 5: the training and the serving query are compiled from one catalog)."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from fraudd.warehouse.base import Row


class TrainingOps(Protocol):
    async def training_rows(self, start: dt.datetime, end: dt.datetime) -> list[Row]:
        """``(tx_id, tx_time, customer_id, card_token, *features, is_fraud)`` of every
        transaction with ``start <= tx_time < end``, sorted by (tx_time, tx_id). A missing label
        is ``false``. For training and evaluation only: the stream never carries the label."""
