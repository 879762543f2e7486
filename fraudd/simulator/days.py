"""One simulated day of genuine transactions (the handbook's ``generate_transactions_table``).

Per customer and day: the number of transactions ~ Poisson(mean per day); the second of the
day is ``int(N(43200, 20000))``, kept only when strictly inside (0, 86400) as in the handbook;
the amount ~ N(mean, std), redrawn from U(0, 2·mean) when negative, rounded to cents; the
terminal is drawn uniformly from the customer's available terminals (customers without any
make no transactions). The whole day is drawn with array operations from the day's own stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fraudd.simulator.profiles import Profiles
from fraudd.simulator.seeding import Purpose, stream

SECONDS_PER_DAY = 86_400
TIME_MEAN_S = SECONDS_PER_DAY / 2
TIME_STD_S = 20_000.0


@dataclass(frozen=True, eq=False)
class RawDay:
    """A day's transactions before fraud labelling, in canonical order.

    Canonical order: second of the day, then customer id, then the customer's draw order.
    It is the order of transaction ids within the day.
    """

    day: int
    seconds: np.ndarray
    """Second of the day, ``1..86399``."""
    customer: np.ndarray
    terminal: np.ndarray
    amount: np.ndarray

    def __len__(self) -> int:
        return int(self.seconds.size)


def generate_raw_day(profiles: Profiles, seed: int, day: int) -> RawDay:
    """Draw day ``day``'s genuine transactions; depends only on (profiles, seed, day)."""
    rng = stream(seed, Purpose.DAY, day)
    counts = rng.poisson(profiles.mean_nb_tx_per_day)
    customer = np.repeat(np.arange(profiles.n_customers, dtype=np.int64), counts)
    seconds = np.trunc(rng.normal(TIME_MEAN_S, TIME_STD_S, customer.size)).astype(np.int64)
    nb_available = profiles.nb_available
    keep = (seconds > 0) & (seconds < SECONDS_PER_DAY) & (nb_available[customer] > 0)
    customer, seconds = customer[keep], seconds[keep]
    amount = draw_amounts(profiles, customer, rng)
    pick = rng.integers(0, nb_available[customer])
    terminal = profiles.available_terminals[profiles.available_offsets[customer] + pick]
    return canonical_day(day, seconds, customer, terminal, amount)


def canonical_day(
    day: int, seconds: np.ndarray, customer: np.ndarray, terminal: np.ndarray, amount: np.ndarray
) -> RawDay:
    """A day's swipes in canonical order; rows must come grouped by customer in draw order."""
    # customer is already grouped in draw order, so a stable sort on time gives canonical order.
    order = np.argsort(seconds, kind="stable")
    return RawDay(
        day=day,
        seconds=seconds[order],
        customer=customer[order],
        terminal=terminal[order].astype(np.int64),
        amount=amount[order],
    )


def draw_amounts(profiles: Profiles, customer: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Amounts ~ N(mean, std) of each row's customer, redrawn from U(0, 2·mean) if negative."""
    mean = profiles.mean_amount[customer]
    amount = rng.normal(mean, profiles.std_amount[customer])
    negative = np.flatnonzero(amount < 0)
    amount[negative] = rng.uniform(0, 2 * mean[negative])
    # The handbook rounds a tiny redraw to 0.00 (~2 in 100,000 swipes). fraudd accepts $0 swipes
    # (account verification, card-testing probes), but the simulator keeps its one-cent floor so
    # that the reference history, and the figures measured on it, stay as published.
    return np.maximum(np.round(amount, 2), 0.01)
