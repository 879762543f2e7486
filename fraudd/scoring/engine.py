"""The scoring engine the consumer calls: rules in front, a model (when configured) behind."""

from __future__ import annotations

from typing import Protocol

from fraudd.records import Swipe
from fraudd.scoring.rules import Rules
from fraudd.scoring.verdict import Verdict
from fraudd.settings import Settings
from fraudd.tasks import consumer_sql as q
from fraudd.warehouse import Connection


class Engine(Protocol):
    async def score_batch(self, conn: Connection, swipes: list[Swipe]) -> list[Verdict]:
        """One verdict per swipe, in order. Runs inside the consumer's batch transaction."""


async def velocities(
    conn: Connection, schema: str, window_s: float, tx_ids: list[str]
) -> dict[str, int]:
    """Swipes of each transaction's card within the velocity window (itself included)."""
    rows = await conn.fetch(q.VELOCITY.format(schema=schema), window_s, tx_ids)
    return {r[0]: int(r[1]) for r in rows}


class RulesEngine:
    """Rules only: the product's behaviour before a model is trained."""

    def __init__(self, settings: Settings) -> None:
        self.rules = Rules(settings.rules)
        self.schema = settings.warehouse.schema_name
        self.window_s = settings.rules.velocity_window_s

    async def score_batch(self, conn: Connection, swipes: list[Swipe]) -> list[Verdict]:
        counts = await velocities(conn, self.schema, self.window_s, [s.tx_id for s in swipes])
        return [self.rules.verdict(s, counts.get(s.tx_id, 1)) for s in swipes]


def build_engine(settings: Settings) -> Engine:
    """The engine for ``settings.scoring.backend``."""
    return RulesEngine(settings)
