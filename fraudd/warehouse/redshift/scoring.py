"""Scoring reads on Redshift: velocities bounded by constant tx_time ranges (zone maps)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from fraudd.records import Swipe
from fraudd.warehouse.redshift.actions import placeholders
from fraudd.warehouse.shared.scoring import SharedScoring


class RedshiftScoring(SharedScoring):
    async def velocities(self, swipes: Sequence[Swipe], window_s: float) -> dict[str, int]:
        if not swipes:
            return {}
        low = min(s.tx_time for s in swipes)
        high = max(s.tx_time for s in swipes)
        sql = self.sql("scoring", "velocities").replace("/*ids*/", placeholders(len(swipes)))
        since = low - timedelta(seconds=window_s)
        rows = await self.conn.fetch(sql, window_s, since, low, high, *[s.tx_id for s in swipes])
        return {r[0]: int(r[1]) for r in rows}
