"""A labelled history small enough to count by hand, for the backtest's tests.

Cards A, B, C (one customer each); rules as today's defaults (review 500, block 2,000, velocity
more than 10 within 60 s). The range is 2 to 4 November 2026 (4 November has no transaction):

=====  =====  ===============  =======  ====  ======  =====================  ================
tx     card   time (UTC)       amount   mcc   label   today's settings       DRAFT
=====  =====  ===============  =======  ====  ======  =====================  ================
z0     A      1 Nov 23:59:40     10.00  5411  -       (before the range)
a0     A      2 Nov 00:00:10     15.00  5411  -       approve (velocity 2)   review (small)
a1     A      2 Nov 10:00:00    100.00  5411  legit   approve                approve
a2     A      2 Nov 10:00:30  2,500.00  5967  fraud   block (amount_block)   block
b1     B      2 Nov 12:00:00    900.00  7995  fraud   review (amount_rev.)   approve
b2     B      3 Nov 09:00:00     50.00  5411  -       approve                approve
c1     C      3 Nov 15:00:00  1,200.00  5812  legit   review (amount_rev.)   review
c2     C      3 Nov 15:00:10     30.00  7995  fraud*  approve (velocity 2)   review (small)
e1     C      5 Nov 10:00:00  3,000.00  5967  fraud   (after the range)
=====  =====  ===============  =======  ====  ======  =====================  ================

(*) labelled on 20 December, long after: today's labels judge, whenever they arrived.
"""

from __future__ import annotations

import datetime as dt

from fraudd.records import Swipe
from fraudd.warehouse import Label, Session

START, END = dt.date(2026, 11, 2), dt.date(2026, 11, 4)
CARDS = {"A": "card-aaaaaaaa", "B": "card-bbbbbbbb", "C": "card-cccccccc"}
ROWS = [
    ("z0", "A", (1, 23, 59, 40), 10.00, "5411"),
    ("a0", "A", (2, 0, 0, 10), 15.00, "5411"),
    ("a1", "A", (2, 10, 0, 0), 100.00, "5411"),
    ("a2", "A", (2, 10, 0, 30), 2500.00, "5967"),
    ("b1", "B", (2, 12, 0, 0), 900.00, "7995"),
    ("b2", "B", (3, 9, 0, 0), 50.00, "5411"),
    ("c1", "C", (3, 15, 0, 0), 1200.00, "5812"),
    ("c2", "C", (3, 15, 0, 10), 30.00, "7995"),
    ("e1", "C", (5, 10, 0, 0), 3000.00, "5967"),
]
LABELS = {"a1": False, "a2": True, "b1": True, "c1": False, "c2": True, "e1": True}
LATE = {"c2": dt.datetime(2026, 12, 20, tzinfo=dt.UTC)}
DRAFT = """
[[rules]]
name = "amount_block"
description = "amount of 2,000 or more"
when = "amount >= 2000"
outcome = "block"
priority = 80

[[rules]]
name = "amount_review"
description = "amount of 1,000 or more, below the block limit"
when = "amount >= 1000 and amount < 2000"
outcome = "review"
priority = 70

[[rules]]
name = "small_after_swipe"
description = "a small amount right after another swipe of the card"
when = "velocity >= 2 and amount < 50"
outcome = "review"
priority = 60
"""


def when(day: int, hour: int, minute: int, second: int) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, second, tzinfo=dt.UTC)


def swipes() -> list[Swipe]:
    """The table's transactions."""
    return [
        Swipe(tx_id=tx, tx_time=when(*at), card_token=CARDS[card], last4="1234",
              customer_id=f"cust-{card}", terminal_id=f"term-{card}", amount=amount,
              merchant_category=mcc, channel="online", produced_at=when(*at))
        for tx, card, at, amount, mcc in ROWS
    ]  # fmt: skip


def labels() -> list[Label]:
    """The table's labels: a day after the transaction, or late (:data:`LATE`)."""
    times = {tx: when(*at) for tx, _card, at, _amount, _mcc in ROWS}
    return [
        Label(tx, fraud, LATE.get(tx, times[tx] + dt.timedelta(days=1)))
        for tx, fraud in LABELS.items()
    ]


async def store(session: Session) -> None:
    """The history into a migrated schema."""
    await session.store_transactions(swipes())
    await session.insert_labels(labels(), "test")
