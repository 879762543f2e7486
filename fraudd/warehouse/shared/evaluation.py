"""The evaluation protocol's reads, where the dialects agree."""

from __future__ import annotations

import datetime as dt

from fraudd.warehouse.session import SessionBase

AREA = "evaluation"


class SharedEvaluation(SessionBase):
    async def known_frauds(
        self, start: dt.datetime, end: dt.datetime
    ) -> list[tuple[str, dt.datetime]]:
        rows = await self.conn.fetch(self.sql(AREA, "known_frauds"), start, end)
        return [(str(r[0]), r[1]) for r in rows]

    async def fraud_scenarios(self, start: dt.datetime, end: dt.datetime) -> list[tuple[str, int]]:
        rows = await self.conn.fetch(self.sql(AREA, "fraud_scenarios"), start, end)
        return [(str(r[0]), int(r[1])) for r in rows]
