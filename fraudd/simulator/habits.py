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
  simulated currencies are at par); cardholders near a border legitimately swipe abroad;
* **its merchants**: the card-present terminals (shops, ATMs) in the handbook's reach of home,
  and 2 to 6 online merchants anywhere on the map (online, a merchant's place says little) drawn
  among the online terminals of its usual categories.

A genuine swipe (:func:`generate_habitual_day`) draws how many swipes a customer makes and their
amounts as the handbook does, its second of day from the customer's hour, and its terminal among
the customer's merchants whose category is usual, each with weight (channel share) / (number of
such merchants of that channel), so that the customer's realised channel mix is its own (a
customer with no usual online merchant shops in person). A customer with nothing usual among
its merchants uses all of them alike; one with no merchant at all makes no swipe.
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
ONLINE_MERCHANTS: Final[tuple[int, int]] = (2, 6)
"""Inclusive range of the number of online merchants a customer uses."""
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
    offsets: np.ndarray
    """Customer ``c``'s merchants are ``merchants[offsets[c] : offsets[c + 1]]``."""
    merchants: np.ndarray
    """Terminals in reach (card-present, the handbook's radius), then usual online merchants."""
    weights: np.ndarray
    """Cumulative weights of ``merchants`` (see the module docstring)."""

    def is_usual(self, customer: int, mcc: str) -> bool:
        """Whether ``mcc`` is one of the customer's usual categories (ATMs always are)."""
        return mcc == ATM_MCC or bool(self.usual[customer, CATEGORIES.index(mcc)])

    def merchants_of(self, customer: int) -> np.ndarray:
        """Terminals the customer may swipe at (shops and ATMs in reach, its online merchants)."""
        return self.merchants[self.offsets[customer] : self.offsets[customer + 1]]


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
    hour_mean, hour_std = rng.uniform(*HOUR_MEAN_S, size=n), rng.uniform(*HOUR_STD_S, size=n)
    offsets, merchants = _merchants(profiles, usual, rng)
    currencies = np.asarray(COUNTRY_CURRENCIES, dtype=object)
    return Habits(
        usual=usual,
        channel_share=share,
        hour_mean_s=hour_mean,
        hour_std_s=hour_std,
        home_currency=currencies[country_of(profiles.customer_x, profiles.customer_y)],
        terminal_currency=currencies[country_of(profiles.terminal_x, profiles.terminal_y)],
        offsets=offsets,
        merchants=merchants,
        weights=_weights(profiles, usual, share, offsets, merchants),
    )


def _usual_categories(n: int, rng: np.random.Generator) -> np.ndarray:
    # Weighted sampling without replacement, k per row: the k largest of log(w) + Gumbel noise.
    weights = np.asarray([MCC_WEIGHTS["pos"][c] for c in CATEGORIES])
    keys = np.log(weights)[None, :] + rng.gumbel(size=(n, len(CATEGORIES)))
    k = rng.integers(USUAL_CATEGORIES[0], USUAL_CATEGORIES[1] + 1, size=n)
    rank = np.argsort(np.argsort(-keys, axis=1), axis=1)
    return rank < k[:, None]


def _merchants(
    profiles: Profiles, usual: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """CSR lists: each customer's card-present terminals in reach, then its online merchants."""
    online = np.flatnonzero(profiles.channel == "ecom")
    online_category = _index_of(profiles.merchant_category[online], CATEGORIES)
    count = rng.integers(ONLINE_MERCHANTS[0], ONLINE_MERCHANTS[1] + 1, size=profiles.n_customers)
    lists = []
    for c in range(profiles.n_customers):
        near = profiles.terminals_of(c)
        pool = online[usual[c, online_category]]
        picked = rng.choice(pool, size=min(int(count[c]), pool.size), replace=False)
        lists.append(np.concatenate([near[profiles.channel[near] != "ecom"], np.sort(picked)]))
    sizes = np.fromiter((x.size for x in lists), dtype=np.int64, count=len(lists))
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    return offsets, np.concatenate(lists).astype(np.int64)


def _weights(
    profiles: Profiles,
    usual: np.ndarray,
    share: np.ndarray,
    offsets: np.ndarray,
    merchants: np.ndarray,
) -> np.ndarray:
    n = profiles.n_customers
    owner = np.repeat(np.arange(n), np.diff(offsets))
    channel = _index_of(profiles.channel[merchants], CHANNELS)
    mcc = profiles.merchant_category[merchants]
    category = _index_of(mcc, CATEGORIES)
    ok = (mcc == ATM_MCC) | (usual[owner, np.maximum(category, 0)] & (category >= 0))
    per_channel = np.bincount(
        owner * len(CHANNELS) + channel, weights=ok.astype(float), minlength=n * len(CHANNELS)
    ).reshape(-1, len(CHANNELS))
    count = per_channel[owner, channel]
    weight = np.where(ok, share[owner, channel] / np.maximum(count, 1), 0.0)
    total = np.bincount(owner, weights=weight, minlength=n)
    weight = np.where(total[owner] > 0, weight, 1.0)  # nothing usual: any of its merchants
    return np.cumsum(weight)


def _index_of(values: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """Position of each value in ``names`` (-1 when absent)."""
    index = np.full(values.size, -1, dtype=np.int64)
    for i, name in enumerate(names):
        index[values == name] = i
    return index


def draw_merchants(habits: Habits, customer: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One terminal per row of ``customer`` (who must have merchants), by its weights."""
    cum = habits.weights
    first, end = habits.offsets[customer], habits.offsets[customer + 1]
    lo = np.where(first > 0, cum[np.maximum(first - 1, 0)], 0.0)
    target = lo + rng.random(customer.size) * (cum[end - 1] - lo)
    pick = np.clip(np.searchsorted(cum, target, side="right"), first, end - 1)
    return habits.merchants[pick]


def generate_habitual_day(profiles: Profiles, habits: Habits, seed: int, day: int) -> RawDay:
    """Day ``day``'s genuine swipes of cardholders with habits (see the module docstring)."""
    rng = stream(seed, Purpose.HABITUAL_DAY, day)
    counts = rng.poisson(profiles.mean_nb_tx_per_day)
    customer = np.repeat(np.arange(profiles.n_customers, dtype=np.int64), counts)
    mean, std = habits.hour_mean_s[customer], habits.hour_std_s[customer]
    seconds = np.trunc(rng.normal(mean, std)).astype(np.int64)
    has_merchants = np.diff(habits.offsets)[customer] > 0
    keep = (seconds > 0) & (seconds < SECONDS_PER_DAY) & has_merchants
    customer, seconds = customer[keep], seconds[keep]
    amount = draw_amounts(profiles, customer, rng)
    terminal = draw_merchants(habits, customer, rng)
    return canonical_day(day, seconds, customer, terminal, amount)
