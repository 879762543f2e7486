"""One simulated timeline: profiles plus every day's transactions, generated day by day on demand.

Day ``d`` (UTC calendar day ``origin + d``) is a pure function of the spec and ``d``, so a
history of days ``[0, D)`` and live days ``[D, ...)`` form the same timeline as a longer history.

Two modes (:data:`FraudMode`, the spec's ``fraud``):

* ``handbook`` (the default): the handbook's generative model, scenarios 1-3 only, bit for bit
  the dataset the published comparison is made on;
* ``extended``: cardholders with habits (:mod:`fraudd.simulator.habits`), the handbook's three
  scenarios on their swipes, and the issuer's kinds of fraud, scenarios 4-7
  (:mod:`fraudd.simulator.issuer_frauds`); ids start with ``x``, currencies are the terminals'.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final, get_args

import numpy as np
import pandas as pd

from fraudd.settings import FraudMode
from fraudd.simulator.cards import card_last4s, card_tokens
from fraudd.simulator.days import RawDay, generate_raw_day
from fraudd.simulator.frame import CardTable, TxArrays, build_frame
from fraudd.simulator.frauds import LOOKAHEAD_DAYS, LOOKBEHIND_DAYS, label_block
from fraudd.simulator.habits import Habits, generate_habitual_day, make_habits
from fraudd.simulator.issuer_frauds import World, injected, merged
from fraudd.simulator.profiles import Profiles, make_profiles
from fraudd.simulator.seeding import Purpose, stream

FRAUD_MODES: Final[tuple[str, ...]] = get_args(FraudMode)
EXTENDED_ID_PREFIX: Final[str] = "x"


@dataclass(frozen=True)
class SimulationSpec:
    """Everything that determines a timeline. Same spec, same transactions, byte for byte."""

    origin: dt.date
    """Day 0 starts at 00:00 UTC on this date."""
    seed: int = 42
    customers: int = 5000
    terminals: int = 10000
    radius: float = 5.0
    fraud: FraudMode = "handbook"
    """``handbook``: scenarios 1-3 only; ``extended``: habits and scenarios 4-7 as well."""

    def day_start(self, day: int) -> dt.datetime:
        """UTC start of simulated day ``day``."""
        midnight = dt.datetime.combine(self.origin, dt.time(), tzinfo=dt.UTC)
        return midnight + dt.timedelta(days=day)


class Timeline:
    """Generates labelled days of one :class:`SimulationSpec`, caching genuine days."""

    def __init__(self, spec: SimulationSpec) -> None:
        self.spec = spec
        self.profiles: Profiles = make_profiles(
            spec.customers, spec.terminals, spec.radius, stream(spec.seed, Purpose.PROFILES)
        )
        self.cards = CardTable(
            token=card_tokens(spec.seed, spec.customers),
            last4=card_last4s(spec.seed, spec.customers),
        )
        self.habits: Habits | None = None
        self._world: World | None = None
        if spec.fraud == "extended":
            self.habits = make_habits(self.profiles, spec.seed)
            self._world = World(self.profiles, self.habits)
        self._raw: dict[int, RawDay] = {}

    def raw_day(self, day: int) -> RawDay:
        """Genuine (unlabelled) transactions of ``day``."""
        if day not in self._raw:
            self._raw[day] = (
                generate_raw_day(self.profiles, self.spec.seed, day)
                if self.habits is None
                else generate_habitual_day(self.profiles, self.habits, self.spec.seed, day)
            )
        return self._raw[day]

    def forget_before(self, day: int) -> None:
        """Drop cached genuine days before ``day`` (live mode keeps memory bounded)."""
        for old in [d for d in self._raw if d < day]:
            del self._raw[old]

    def days(self, first: int, last: int) -> pd.DataFrame:
        """Labelled transactions of days ``[first, last)`` (see :mod:`fraudd.simulator.frame`)."""
        if not 0 <= first <= last:
            raise ValueError(f"need 0 <= first <= last, got {first}, {last}")
        tx = self._labelled(first, last)
        if self._world is None:
            return build_frame(tx, self.profiles, self.cards, self.spec.seed, self.spec.origin)
        tx = merged(tx, injected(self._world, self.spec.seed, first, last))
        return build_frame(
            tx,
            self.profiles,
            self.cards,
            self.spec.seed,
            self.spec.origin,
            terminal_currency=self._world.habits.terminal_currency,
            id_prefix=EXTENDED_ID_PREFIX,
        )

    def _labelled(self, first: int, last: int) -> TxArrays:
        if first == last:
            return TxArrays.empty()
        block = range(max(0, first - LOOKBEHIND_DAYS), last + LOOKAHEAD_DAYS)
        raws = [self.raw_day(d) for d in block]
        sizes = np.array([len(r) for r in raws], dtype=np.int64)
        day = np.repeat(np.array([r.day for r in raws], dtype=np.int64), sizes)
        customer = np.concatenate([r.customer for r in raws])
        terminal = np.concatenate([r.terminal for r in raws])
        amount, scenario = label_block(
            day,
            customer,
            terminal,
            np.concatenate([r.amount for r in raws]),
            first,
            last,
            self.spec.seed,
            self.spec.customers,
            self.spec.terminals,
        )
        lo, hi = np.searchsorted(day, [first, last], side="left")
        return TxArrays(
            day=day[lo:hi],
            second_of_day=np.concatenate([r.seconds for r in raws])[lo:hi],
            customer=customer[lo:hi],
            terminal=terminal[lo:hi],
            amount=amount[lo:hi],
            scenario=scenario[lo:hi],
        )
