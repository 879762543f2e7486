"""The issuer's kinds of fraud (the extended simulator): frauds that show in the record's fields.

The handbook's three scenarios (:mod:`fraudd.simulator.frauds`) show in the amount, the terminal
and the customer's amounts. Issuers mostly see other kinds, which show in the merchant category,
the channel, the place and the hour, read against the cardholder's habits
(:mod:`fraudd.simulator.habits`). Each kind adds the fraudster's own swipes to the timeline (the
cardholder's genuine swipes go on as before), labelled fraud with the kind's ``fraud_scenario``:

4. **Card testing** (:func:`card_testing`): a fraudster checks a stolen card number with a burst
   of 3 to 10 card-not-present swipes of U(0.50, 5.00) at one online merchant, 10 s + Exp(90 s)
   apart, then, 1 to 36 hours after the last probe, makes one large online purchase of
   U(250, 1500) at another online merchant.
5. **Card-not-present spending at unusual categories** (:func:`unusual_cnp`): after a compromise
   of the card's details, 2 to 10 online purchases spread uniformly over 1 to 7 days, each at an
   online merchant whose category is not one of the cardholder's usual ones, amount lognormal
   with median 120 and σ 0.6.
6. **Far-from-home swipes** (:func:`far_from_home`): a cloned card is used in person at a place
   at least :data:`FAR_DISTANCE` from the cardholder's home (so usually in another country, in its
   currency): 3 to 10 swipes over 1 to 3 days, between 08:00 and 22:00, at card-present terminals
   and ATMs within :data:`SITE_RADIUS` of one far terminal; ATM withdrawals are whole hundreds
   (100 to 500), shop purchases lognormal with median 150 and σ 0.5.
7. **Night-time spree** (:func:`night_spree`): a stolen card is used 5 to 15 times in one night,
   starting between 00:30 and 03:00 and 2 min + Exp(12 min) apart, at the cardholder's own
   merchants (near home, or its online ones), for its mean amount × lognormal(median 2.5, σ 0.4).

How many cards each kind compromises a day is Poisson with mean :attr:`Kind.per_day` × customers
/ 5,000 (so the fraud rate does not depend on the simulation's size); the victims are drawn
uniformly among customers who swipe at all. Each (kind, day) has its own random stream, and a
day's fraudulent swipes are those of the compromises started on that day or the
:attr:`Kind.span_days` - 1 days before: any day is a pure function of the spec, like the
handbook's days. At the reference size this adds about 7,000 frauds to the handbook's 14,700
(about 1.2 % fraud in all; the README gives the counts per kind).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import numpy as np

from fraudd.simulator.days import SECONDS_PER_DAY
from fraudd.simulator.frame import TxArrays
from fraudd.simulator.habits import CATEGORIES, Habits
from fraudd.simulator.profiles import Profiles
from fraudd.simulator.seeding import Purpose, stream

REFERENCE_CUSTOMERS: Final[int] = 5000
FAR_DISTANCE: Final[float] = 40.0
"""A far-from-home swipe's terminal is at least this far from the cardholder's home."""
SITE_RADIUS: Final[float] = 5.0
"""A far-from-home fraudster stays within this distance of the first terminal chosen."""
_HOUR: Final[int] = 3600
Rows = tuple[np.ndarray, np.ndarray, np.ndarray]
"""An event's swipes: (seconds since the origin, terminal, amount)."""


class World:
    """What the fraudsters draw from: the profiles, the habits and terminal indexes."""

    def __init__(self, profiles: Profiles, habits: Habits) -> None:
        self.profiles = profiles
        self.habits = habits
        self.ecom = np.flatnonzero(profiles.channel == "ecom")
        self.present = np.flatnonzero(profiles.channel != "ecom")
        codes = profiles.merchant_category[self.ecom]
        self.ecom_category = np.asarray([CATEGORIES.index(c) for c in codes.tolist()], np.int64)
        self.swiping = np.flatnonzero(np.diff(habits.offsets) > 0)

    def distance(self, terminals: np.ndarray, x: float, y: float) -> np.ndarray:
        """Distance from each of ``terminals`` to the point (x, y)."""
        p = self.profiles
        return np.hypot(p.terminal_x[terminals] - x, p.terminal_y[terminals] - y)


def card_testing(world: World, rng: np.random.Generator, victim: int, day: int) -> Rows:
    """Scenario 4: a burst of small online probes, then one large online purchase."""
    n = int(rng.integers(3, 11))
    start = day * SECONDS_PER_DAY + int(rng.integers(0, SECONDS_PER_DAY))
    probes = start + np.concatenate([[0], np.cumsum(10 + rng.exponential(90, n - 1))])
    probes = probes.astype(np.int64)
    big = probes[-1] + int(rng.integers(_HOUR, 36 * _HOUR))
    tester, shop = rng.choice(world.ecom, size=2)
    amount = np.append(np.round(rng.uniform(0.5, 5.0, n), 2), round(rng.uniform(250, 1500), 2))
    terminal = np.append(np.full(n, tester), shop)
    return np.append(probes, big), terminal, amount


def unusual_cnp(world: World, rng: np.random.Generator, victim: int, day: int) -> Rows:
    """Scenario 5: online purchases at categories the cardholder never uses, over days."""
    span, n = int(rng.integers(1, 8)), int(rng.integers(2, 11))
    times = np.sort(day * SECONDS_PER_DAY + rng.integers(0, span * SECONDS_PER_DAY, n))
    unusual = world.ecom[~world.habits.usual[victim, world.ecom_category]]
    pool = unusual if unusual.size else world.ecom
    amount = np.round(np.exp(rng.normal(np.log(120.0), 0.6, n)), 2)
    return times, rng.choice(pool, size=n), amount


def far_from_home(world: World, rng: np.random.Generator, victim: int, day: int) -> Rows:
    """Scenario 6: a cloned card swiped in person far from home (often abroad)."""
    p = world.profiles
    present = world.present
    far = present[
        world.distance(present, p.customer_x[victim], p.customer_y[victim]) >= FAR_DISTANCE
    ]
    site = int(rng.choice(far if far.size else present))
    near = present[world.distance(present, p.terminal_x[site], p.terminal_y[site]) < SITE_RADIUS]
    span, n = int(rng.integers(1, 4)), int(rng.integers(3, 11))
    when = rng.integers(0, span, n) * SECONDS_PER_DAY + rng.integers(8 * _HOUR, 22 * _HOUR, n)
    terminal = rng.choice(near, size=n)
    atm = p.channel[terminal] == "atm"
    shop = np.round(np.exp(rng.normal(np.log(150.0), 0.5, n)), 2)
    amount = np.where(atm, rng.integers(1, 6, n) * 100.0, shop)
    return np.sort(day * SECONDS_PER_DAY + when), terminal, amount


def night_spree(world: World, rng: np.random.Generator, victim: int, day: int) -> Rows:
    """Scenario 7: a stolen card used many times in one night, at the cardholder's merchants."""
    p = world.profiles
    n = int(rng.integers(5, 16))
    start = day * SECONDS_PER_DAY + int(rng.integers(_HOUR // 2, 3 * _HOUR))
    gaps = 120 + rng.exponential(12 * 60, n - 1)
    times = (start + np.concatenate([[0], np.cumsum(gaps)])).astype(np.int64)
    terminal = rng.choice(world.habits.merchants_of(victim), size=n)
    factor = np.exp(rng.normal(np.log(2.5), 0.4, n))
    return times, terminal, np.round(p.mean_amount[victim] * factor, 2)


@dataclass(frozen=True)
class Kind:
    """One kind of fraud: its scenario number, random stream, rate and generator."""

    scenario: int
    purpose: Purpose
    per_day: float
    """Cards compromised a day (Poisson mean) per 5,000 customers."""
    span_days: int
    """An event started on day k has swipes on days k .. k + span_days - 1 only."""
    event: Callable[[World, np.random.Generator, int, int], Rows]


KINDS: Final[tuple[Kind, ...]] = (
    Kind(4, Purpose.CARD_TESTING, 1.5, 3, card_testing),
    Kind(5, Purpose.CNP_COMPROMISE, 1.5, 7, unusual_cnp),
    Kind(6, Purpose.FAR_FROM_HOME, 1.0, 3, far_from_home),
    Kind(7, Purpose.NIGHT_SPREE, 1.0, 1, night_spree),
)
CARD_COMPROMISES: Final[frozenset[int]] = frozenset({3, *(k.scenario for k in KINDS)})
"""Scenarios whose swipes a fraudster makes with a card's stolen details (the handbook's 3 too);
1 and 2 are the cardholder's own swipes (a large amount, a compromised terminal)."""
SCENARIOS: Final[dict[int, str]] = {
    4: "card testing",
    5: "card-not-present at unusual categories",
    6: "far-from-home swipes",
    7: "night-time spree",
}


def kind_rows(world: World, kind: Kind, seed: int, day: int) -> TxArrays:
    """Every fraudulent swipe of the compromises of ``kind`` started on ``day``."""
    rng = stream(seed, kind.purpose, day)
    mean = kind.per_day * world.profiles.n_customers / REFERENCE_CUSTOMERS
    count = int(rng.poisson(mean)) if world.swiping.size else 0
    victims = rng.choice(world.swiping, size=count)
    events = [(int(v), kind.event(world, rng, int(v), day)) for v in victims.tolist()]
    return _arrays(events, kind.scenario)


def _arrays(events: list[tuple[int, Rows]], scenario: int) -> TxArrays:
    if not events:
        return TxArrays.empty()
    seconds = np.concatenate([rows[0] for _, rows in events]).astype(np.int64)
    customer = np.concatenate([np.full(rows[0].size, v, np.int64) for v, rows in events])
    return TxArrays(
        day=seconds // SECONDS_PER_DAY,
        second_of_day=seconds % SECONDS_PER_DAY,
        customer=customer,
        terminal=np.concatenate([rows[1] for _, rows in events]).astype(np.int64),
        amount=np.maximum(np.concatenate([rows[2] for _, rows in events]), 0.01),
        scenario=np.full(seconds.size, scenario, np.int8),
    )


def injected(world: World, seed: int, first: int, last: int) -> TxArrays:
    """The fraudulent swipes of every kind on days ``[first, last)``, in generation order."""
    parts = [
        kind_rows(world, kind, seed, k)
        for kind in KINDS
        for k in range(max(0, first - kind.span_days + 1), last)
    ]
    rows = TxArrays.concat(parts)
    return rows.take((rows.day >= first) & (rows.day < last))


def merged(genuine: TxArrays, fraud: TxArrays) -> TxArrays:
    """Both sets of rows in canonical order: by day and second; at one second, genuine first,
    then as generated (``lexsort`` is stable)."""
    both = TxArrays.concat([genuine, fraud])
    return both.take(np.lexsort((both.second_of_day, both.day)))
