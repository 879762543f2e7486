"""Cardholders' habits (the extended simulator only): what gives category, channel, place and hour
a meaning, so that the issuer's kinds of fraud (:mod:`fraudd.simulator.issuer_frauds`) show in them.

The handbook's cardholder swipes uniformly at the terminals near home, whatever their merchant
category and channel, around noon. In the extended mode each customer also has, drawn once from
the stream ``HABITS`` (the handbook's profiles are untouched):

* **usual merchant categories**: 3 to 6 of the simulator's MCCs, drawn without replacement with
  the categories' card-present shares (:data:`~fraudd.simulator.merchants.MCC_WEIGHTS`); ATMs
  (6011) are usual for everyone;
* **a channel mix**: a card-not-present (``ecom``) share ~ Beta(2, 10) (mean 1/6), an ATM share
  ~ U(0, 0.06), the rest card-present (``pos``);
* **a usual hour**: the second of day of its swipes ~ N(mean, std) with mean ~ U(9 h, 19 h) and
  std ~ U(1.5 h, 3 h) (the handbook's N(12 h, 5.6 h) for everyone makes a night swipe common);
* **a home**: the handbook's (x, y); the map is four countries (quadrants of the 100 × 100 map,
  :data:`COUNTRY_CURRENCIES`), and a swipe's currency is that of its terminal's country, so a
  customer's home currency is that of the quadrant it lives in. Amounts are not converted (the
  simulated currencies are at par); cardholders near a border legitimately swipe abroad.

A genuine swipe (:func:`generate_habitual_day`) draws how many swipes a customer makes and their
amounts as the handbook does, its second of day from the customer's hour, and its terminal among
the customer's available terminals (the handbook's radius) whose category is usual, each with
weight (channel share) / (number of such terminals of that channel), so that the customer's
realised channel mix is its own. A customer with no usual terminal in reach uses all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from fraudd.simulator.days import (
    SECONDS_PER_DAY,
    RawDay,
    canonical_day,
    draw_amounts,
)
from fraudd.simulator.merchants import ATM_MCC, CHANNELS, MCC_WEIGHTS
from fraudd.simulator.profiles import GRID_SIZE, Profiles
from fraudd.simulator.seeding import Purpose, stream

CATEGORIES: Final[tuple[str, ...]] = tuple(MCC_WEIGHTS["pos"])
"""Categories a customer may have as usual (every card-present category; ATMs always are)."""
USUAL_CATEGORIES: Final[tuple[int, int]] = (3, 6)
"""Inclusive range of the number of usual categories per customer."""
CNP_SHARE_BETA: Final[tuple[float, float]] = (2.0, 10.0)
ATM_SHARE_MAX: Final[float] = 0.06
HOUR_MEAN_S: Final[tuple[float, float]] = (9 * 3600.0, 19 * 3600.0)
HOUR_STD_S: Final[tuple[float, float]] = (1.5 * 3600.0, 3 * 3600.0)
COUNTRY_CURRENCIES: Final[tuple[str, ...]] = ("EUR", "GBP", "CHF", "SEK")
"""Quadrants of the map: (x < 50, y < 50), (x >= 50, y < 50), (x < 50, y >= 50), the rest."""


@dataclass(frozen=True, eq=False)
class Habits:
    """Per-customer habits and the per-terminal facts they are read against."""

    usual: np.ndarray
    """Boolean (customers, len(CATEGORIES)): the customer's usual categories."""
    channel_share: np.ndarray
    """(customers, len(CHANNELS)) shares, rows sum to 1, columns in :data:`CHANNELS` order."""
    hour_mean_s: np.ndarray
    hour_std_s: np.ndarray
    home_currency: np.ndarray
    terminal_currency: np.ndarray
    terminal_weights: np.ndarray
    """Cumulative terminal weights aligned with ``Profiles.available_terminals``."""

    def is_usual(self, customer: int, mcc: str) -> bool:
        """Whether ``mcc`` is one of the customer's usual categories (ATMs always are)."""
        return mcc == ATM_MCC or bool(self.usual[customer, CATEGORIES.index(mcc)])


def country_of(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Country index (into :data:`COUNTRY_CURRENCIES`) of map points."""
    half = GRID_SIZE / 2
    return (x >= half).astype(np.int64) + 2 * (y >= half).astype(np.int64)


def make_habits(profiles: Profiles, seed: int) -> Habits:
    """Draw every customer's habits from the ``HABITS`` stream (see the module docstring)."""
    rng = stream(seed, Purpose.HABITS)
    n = profiles.n_customers
    usual = _usual_categories(n, rng)
    cnp = rng.beta(*CNP_SHARE_BETA, size=n)
    atm = rng.uniform(0, ATM_SHARE_MAX, size=n)
    share = np.column_stack([1 - cnp - atm, cnp, atm])  # CHANNELS order: pos, ecom, atm
    currencies = np.asarray(COUNTRY_CURRENCIES, dtype=object)
    return Habits(
        usual=usual,
        channel_share=share,
        hour_mean_s=rng.uniform(*HOUR_MEAN_S, size=n),
        hour_std_s=rng.uniform(*HOUR_STD_S, size=n),
        home_currency=currencies[country_of(profiles.customer_x, profiles.customer_y)],
        terminal_currency=currencies[country_of(profiles.terminal_x, profiles.terminal_y)],
        terminal_weights=_terminal_weights(profiles, usual, share),
    )


def _usual_categories(n: int, rng: np.random.Generator) -> np.ndarray:
    # Weighted sampling without replacement, k per row: the k largest of log(w) + Gumbel noise.
    weights = np.asarray([MCC_WEIGHTS["pos"][c] for c in CATEGORIES])
    keys = np.log(weights)[None, :] + rng.gumbel(size=(n, len(CATEGORIES)))
    k = rng.integers(USUAL_CATEGORIES[0], USUAL_CATEGORIES[1] + 1, size=n)
    rank = np.argsort(np.argsort(-keys, axis=1), axis=1)
    return rank < k[:, None]


def _terminal_weights(profiles: Profiles, usual: np.ndarray, share: np.ndarray) -> np.ndarray:
    owner = np.repeat(np.arange(profiles.n_customers), profiles.nb_available)
    terminal = profiles.available_terminals
    channel = _index_of(profiles.channel[terminal], CHANNELS)
    mcc = profiles.merchant_category[terminal]
    category = _index_of(mcc, CATEGORIES)
    ok = (mcc == ATM_MCC) | (usual[owner, np.maximum(category, 0)] & (category >= 0))
    per_channel = np.bincount(
        owner * len(CHANNELS) + channel,
        weights=ok.astype(float),
        minlength=profiles.n_customers * len(CHANNELS),
    ).reshape(-1, len(CHANNELS))
    count = per_channel[owner, channel]
    weight = np.where(ok, share[owner, channel] / np.maximum(count, 1), 0.0)
    total = np.bincount(owner, weights=weight, minlength=profiles.n_customers)
    weight = np.where(total[owner] > 0, weight, 1.0)  # nothing usual in reach: the handbook's rule
    return np.cumsum(weight)


def _index_of(values: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """Position of each value in ``names`` (-1 when absent)."""
    index = np.full(values.size, -1, dtype=np.int64)
    for i, name in enumerate(names):
        index[values == name] = i
    return index


def draw_terminals(
    profiles: Profiles, habits: Habits, customer: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """One terminal per row of ``customer``, drawn with the customer's terminal weights."""
    cum = habits.terminal_weights
    lo_index = profiles.available_offsets[customer]
    hi_index = profiles.available_offsets[customer + 1]
    lo = np.where(lo_index > 0, cum[np.maximum(lo_index - 1, 0)], 0.0)
    hi = cum[hi_index - 1]
    target = lo + rng.random(customer.size) * (hi - lo)
    pick = np.clip(np.searchsorted(cum, target, side="right"), lo_index, hi_index - 1)
    return profiles.available_terminals[pick].astype(np.int64)


def generate_habitual_day(profiles: Profiles, habits: Habits, seed: int, day: int) -> RawDay:
    """Day ``day``'s genuine swipes of cardholders with habits (see the module docstring)."""
    rng = stream(seed, Purpose.HABITUAL_DAY, day)
    counts = rng.poisson(profiles.mean_nb_tx_per_day)
    customer = np.repeat(np.arange(profiles.n_customers, dtype=np.int64), counts)
    mean, std = habits.hour_mean_s[customer], habits.hour_std_s[customer]
    seconds = np.trunc(rng.normal(mean, std)).astype(np.int64)
    keep = (seconds > 0) & (seconds < SECONDS_PER_DAY) & (profiles.nb_available[customer] > 0)
    customer, seconds = customer[keep], seconds[keep]
    amount = draw_amounts(profiles, customer, rng)
    terminal = draw_terminals(profiles, habits, customer, rng)
    return canonical_day(day, seconds, customer, terminal, amount)
