"""The backtest area: what a rule-set backtest reads besides the training rows — each past
transaction's record fields as the card application sent them, and its velocity (the card's
swipes within the window before it, itself included, as :meth:`ScoringOps.velocities` counts
them for the consumer).

Point in time by construction: a transaction's own fields, and only transactions at or before
its time. The issuer's declared fields follow the built-in ones (``{own_*:columns}``). The
features and labels come from the training rows (:mod:`fraudd.warehouse.training`).

**PostgreSQL**: an index range per transaction, as its ``velocities`` statement reads.
**Redshift**: no ``RANGE`` frames with an offset: a self-join per customer, every scan bounded by
constants on the sort key (zone maps), as its ``velocities`` statement does.
"""

from __future__ import annotations

import datetime as dt
from typing import Final, Protocol

from fraudd.columns import (
    CHANNEL,
    CURRENCY,
    LAST4,
    MERCHANT_CATEGORY,
    TERMINAL_ID,
    TERMINAL_X,
    TERMINAL_Y,
    TX_ID,
    names,
)
from fraudd.warehouse.base import Row
from fraudd.warehouse.session import SessionBase

AREA = "backtest"
RECORD_COLUMNS: Final[tuple[str, ...]] = (
    *names(
        (TX_ID, TERMINAL_ID, LAST4, MERCHANT_CATEGORY, CHANNEL, CURRENCY, TERMINAL_X, TERMINAL_Y)
    ),
    "velocity",
)
"""The columns of :meth:`BacktestOps.backtest_records`, in order; the declared fields follow."""


class BacktestOps(Protocol):
    async def backtest_records(
        self, start: dt.datetime, end: dt.datetime, window_s: float
    ) -> list[Row]:
        """:data:`RECORD_COLUMNS`, then each declared field (``[fields]``, in declaration
        order), of every transaction with ``start <= tx_time < end``, sorted by (tx_time,
        tx_id) as the training rows are; ``velocity`` counts the swipes of the
        transaction's customer within ``window_s`` seconds before it, itself included."""


class Backtest(SessionBase):
    async def backtest_records(
        self, start: dt.datetime, end: dt.datetime, window_s: float
    ) -> list[Row]:
        since = start - dt.timedelta(seconds=window_s)
        return await self.conn.fetch(self.sql(AREA, "records"), window_s, since, start, end)
