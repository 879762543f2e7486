"""Run figures for both dialects: one set of statements (``common/statements/figures.sql``) and
one implementation; each dialect's class exists so that one can diverge without touching the
other. See :mod:`fraudd.warehouse.api.figures`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fraudd.warehouse.api.figures import STAGES, RunCaught, RunCounts, RunLatency
from fraudd.warehouse.session import SessionBase

FAR_FUTURE = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)
"""``until`` of a run still going: later than any record's production time."""


def _ms(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


class SharedFigures(SessionBase):
    async def _row(self, name: str, since: dt.datetime) -> tuple[Any, ...]:
        sql = self.sql("figures", name)
        row = await self.conn.fetchrow(sql, *([since] * sql.count("%s")))
        assert row is not None  # aggregates always return one row
        return tuple(row)

    async def run_counts(self, since: dt.datetime) -> RunCounts:
        return RunCounts(*(int(v) for v in await self._row("run_counts", since)))

    async def run_caught(self, since: dt.datetime) -> RunCaught:
        return RunCaught(*(int(v or 0) for v in await self._row("run_caught", since)))

    async def run_latency(self, since: dt.datetime, until: dt.datetime | None = None) -> RunLatency:
        sql = self.sql("figures", "run_latency_between")
        row = await self.conn.fetchrow(sql, since, until or FAR_FUTURE)
        assert row is not None  # aggregates always return one row
        return RunLatency(*(_ms(v) for v in row))

    async def run_outcomes(self, since: dt.datetime, until: dt.datetime) -> dict[str, int]:
        rows = await self.conn.fetch(self.sql("figures", "outcomes_between"), since, until)
        return {str(r[0]): int(r[1]) for r in rows}

    async def decided_per_second(self, since: dt.datetime) -> dict[int, int]:
        rows = await self.conn.fetch(self.sql("figures", "decided_per_second"), since)
        return {int(r[0]): int(r[1]) for r in rows}

    async def oldest_undecided(self, at: dt.datetime) -> dt.datetime | None:
        value = await self.conn.fetchval(self.sql("figures", "oldest_undecided"), at, at)
        return value if isinstance(value, dt.datetime) else None

    async def stage_latency_p50(
        self, since: dt.datetime, until: dt.datetime
    ) -> dict[str, float | None]:
        rows = await self.conn.fetch(self.sql("figures", "stage_latency_p50"), since, until)
        medians = {str(r[0]): _ms(r[1]) for r in rows}
        return {stage: medians.get(stage) for stage in STAGES}
