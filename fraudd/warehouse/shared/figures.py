"""Run figures for both dialects: one set of statements (``common/statements/figures.sql``) and
one implementation; each dialect's class exists so that one can diverge without touching the
other. See :mod:`fraudd.warehouse.api.figures`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fraudd.warehouse.api.figures import RunCaught, RunCounts, RunLatency
from fraudd.warehouse.session import SessionBase


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

    async def run_latency(self, since: dt.datetime) -> RunLatency:
        row = await self._row("run_latency", since)
        return RunLatency(*(None if v is None else round(float(v), 1) for v in row))
