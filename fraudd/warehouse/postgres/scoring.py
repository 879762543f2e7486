"""Scoring reads on PostgreSQL: velocities with an array of tx_ids (index range per card)."""

from __future__ import annotations

from collections.abc import Sequence

from fraudd.records import Swipe
from fraudd.warehouse.shared.scoring import SharedScoring


class PostgresScoring(SharedScoring):
    async def velocities(self, swipes: Sequence[Swipe], window_s: float) -> dict[str, int]:
        if not swipes:
            return {}
        rows = await self.conn.fetch(
            self.sql("scoring", "velocities"), window_s, [s.tx_id for s in swipes]
        )
        return {r[0]: int(r[1]) for r in rows}
