"""The handbook's three fraud scenarios (``add_frauds``), applied to a block of days.

1. Any amount > 220 is fraud (scenario 1).
2. Each day 2 random terminals are compromised: all their transactions on that day and the next
   27 days are fraud (scenario 2, overwrites 1).
3. Each day 3 random customers are compromised: among all their transactions on that day and the
   next 13 days (frauds included), ``n // 3`` drawn at random have the amount × 5 and are fraud
   (scenario 3, overwrites 1 and 2). As in the handbook the draw is from the pooled transactions
   of the day's 3 customers, and a transaction drawn again by a later compromise is × 5 again.

Compromises start on every day of the timeline and their windows are never cut at the end of a
dataset: labels of a day depend on the genuine transactions of the 13 days before and after it,
so that a history followed by live days is the same timeline as a longer history.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from fraudd.simulator.seeding import Purpose, stream

AMOUNT_THRESHOLD: Final[float] = 220.0
TERMINALS_PER_DAY: Final[int] = 2
TERMINAL_WINDOW_DAYS: Final[int] = 28
CUSTOMERS_PER_DAY: Final[int] = 3
CUSTOMER_WINDOW_DAYS: Final[int] = 14
CUSTOMER_FRAUD_DIVISOR: Final[int] = 3
AMOUNT_MULTIPLIER: Final[float] = 5.0

LOOKBEHIND_DAYS: Final[int] = CUSTOMER_WINDOW_DAYS - 1
"""Genuine days needed before the first labelled day (scenario 2 needs no transactions)."""
LOOKAHEAD_DAYS: Final[int] = CUSTOMER_WINDOW_DAYS - 1
"""Genuine days needed after the last labelled day."""


def compromised_terminals(seed: int, day: int, n_terminals: int) -> np.ndarray:
    """Terminals compromised on ``day`` (scenario 2)."""
    rng = stream(seed, Purpose.COMPROMISED_TERMINALS, day)
    return rng.choice(n_terminals, size=min(TERMINALS_PER_DAY, n_terminals), replace=False)


def _compromised_customers(
    seed: int, day: int, n_customers: int
) -> tuple[np.ndarray, np.random.Generator]:
    rng = stream(seed, Purpose.COMPROMISED_CUSTOMERS, day)
    size = min(CUSTOMERS_PER_DAY, n_customers)
    return rng.choice(n_customers, size=size, replace=False), rng


def compromised_customers(seed: int, day: int, n_customers: int) -> np.ndarray:
    """Customers compromised on ``day`` (scenario 3)."""
    return _compromised_customers(seed, day, n_customers)[0]


def label_block(
    day: np.ndarray,
    customer: np.ndarray,
    terminal: np.ndarray,
    amount: np.ndarray,
    first: int,
    last: int,
    seed: int,
    n_customers: int,
    n_terminals: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(amount, fraud_scenario)`` for a block of consecutive days in canonical order.

    Only rows of days ``[first, last)`` are labelled completely; the block must hold every
    genuine transaction of days ``[max(0, first - LOOKBEHIND_DAYS), last + LOOKAHEAD_DAYS)``.
    """
    scenario = np.zeros(day.size, dtype=np.int8)
    scenario[amount > AMOUNT_THRESHOLD] = 1
    scenario[_terminal_compromised(day, terminal, first, last, seed, n_terminals)] = 2
    times = _customer_compromise_counts(day, customer, first, last, seed, n_customers)
    hit = times > 0
    scenario[hit] = 3
    amount = amount.copy()
    amount[hit] = np.round(amount[hit] * AMOUNT_MULTIPLIER ** times[hit], 2)
    return amount, scenario


def _terminal_compromised(
    day: np.ndarray, terminal: np.ndarray, first: int, last: int, seed: int, n_terminals: int
) -> np.ndarray:
    starts = range(max(0, first - TERMINAL_WINDOW_DAYS + 1), last)
    if not starts:
        return np.zeros(day.size, dtype=bool)
    hit_terminal = np.concatenate([compromised_terminals(seed, k, n_terminals) for k in starts])
    per_day = min(TERMINALS_PER_DAY, n_terminals)
    hit_start = np.repeat(np.asarray(starts, dtype=np.int64), per_day)
    offset = np.arange(TERMINAL_WINDOW_DAYS, dtype=np.int64)
    # Keys of every (terminal, day) pair under attack; a transaction is fraud if its pair is one.
    stride = last + TERMINAL_WINDOW_DAYS
    keys = ((hit_terminal * stride + hit_start)[:, None] + offset[None, :]).ravel()
    return np.isin(terminal * stride + day, keys)


def _customer_compromise_counts(
    day: np.ndarray, customer: np.ndarray, first: int, last: int, seed: int, n_customers: int
) -> np.ndarray:
    """How many scenario-3 compromises picked each row (usually 0 or 1)."""
    times = np.zeros(day.size, dtype=np.int64)
    by_customer = np.argsort(customer, kind="stable")
    sorted_customer = customer[by_customer]
    for k in range(max(0, first - LOOKBEHIND_DAYS), last):
        victims, rng = _compromised_customers(seed, k, n_customers)
        lo = np.searchsorted(sorted_customer, victims, side="left")
        hi = np.searchsorted(sorted_customer, victims, side="right")
        pool = np.sort(
            np.concatenate(
                [_in_window(by_customer[a:b], day, k) for a, b in zip(lo, hi, strict=True)]
            )
        )
        n_fraud = pool.size // CUSTOMER_FRAUD_DIVISOR
        if n_fraud:
            times[pool[rng.choice(pool.size, size=n_fraud, replace=False)]] += 1
    return times


def _in_window(rows: np.ndarray, day: np.ndarray, start: int) -> np.ndarray:
    # rows are increasing positions of one customer, so their days are non-decreasing.
    days = day[rows]
    lo, hi = np.searchsorted(days, [start, start + CUSTOMER_WINDOW_DAYS], side="left")
    return rows[lo:hi]
