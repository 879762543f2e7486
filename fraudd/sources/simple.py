"""A small self-contained swipe generator for tests and the rules-only loop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from fraudd.simulator.cards import card_last4, card_token
from fraudd.sources.base import Draft

SWIPES_PER_CUSTOMER_DAY = 2.0


class SimpleSource:
    """A small self-contained generator: ordinary spending plus a few compromised cards.

    Compromised cards make repeated large purchases, which the amount rules block, so the whole
    loop (alerts, blocks, declines) is exercised without a trained model.
    """

    def __init__(
        self,
        customers: int,
        terminals: int,
        seed: int,
        start: datetime,
        fraud_share: float = 0.01,
    ) -> None:
        self.rng = np.random.default_rng(seed)
        self.seed, self.customers, self.terminals = seed, customers, terminals
        self.now = start.astimezone(UTC)
        # Simulated time advances at the handbook's ~2 swipes per customer per day, whatever the
        # production rate: per-card velocity stays realistic at any speed-up.
        self.step = timedelta(seconds=86_400 / (customers * SWIPES_PER_CUSTOMER_DAY))
        self.mean_amount = self.rng.uniform(5, 100, customers)
        self.fraud_share = fraud_share
        self.compromised: set[int] = set()
        self.counter = 0

    def clock(self) -> datetime:
        return self.now

    def take(self, n: int) -> list[Draft]:
        return [self._one() for _ in range(n)]

    def _one(self) -> Draft:
        rng = self.rng
        self.now += self.step
        self.counter += 1
        if rng.random() < self.fraud_share / 10:
            self.compromised.add(int(rng.integers(self.customers)))
        if self.compromised and rng.random() < self.fraud_share:
            customer = sorted(self.compromised)[int(rng.integers(len(self.compromised)))]
            amount, fraud = float(rng.uniform(2500, 5000)), True
        else:
            customer = int(rng.integers(self.customers))
            amount, fraud = float(abs(rng.normal(self.mean_amount[customer], 20)) + 0.01), False
        terminal = int(rng.integers(self.terminals))
        return Draft(
            tx_id=f"s{self.seed:x}-n{self.counter:012d}",  # a letter: never 13 digits in a row
            tx_time=self.now,
            card_token=card_token(self.seed, customer),
            last4=card_last4(self.seed, customer),
            customer_id=str(customer),
            terminal_id=str(terminal),
            amount=round(amount, 2),
            merchant_category="5411",
            channel="pos",
            terminal_x=None,
            terminal_y=None,
            is_fraud=fraud,
            fraud_scenario=1 if fraud else 0,
        )
