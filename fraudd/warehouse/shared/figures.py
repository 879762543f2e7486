"""Run figures for both dialects: the statements differ by file (``run_latency.sql``), the code
does not. See :mod:`fraudd.warehouse.api.figures`."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields
from typing import Any

from fraudd.warehouse.api.figures import RunCaught, RunCounts, RunLatency
from fraudd.warehouse.base import Warehouse
from fraudd.warehouse.sqlfiles import load_query


class SqlRunFigures:
    """:class:`~fraudd.warehouse.api.figures.RunFigures` over one warehouse and schema."""

    def __init__(self, wh: Warehouse, schema: str, view: str) -> None:
        self._wh = wh
        self._sql = {
            name: load_query(wh.dialect, name, schema=schema, view=view)
            for name in ("run_counts", "run_caught", "run_latency")
        }

    async def _row(self, name: str, since: dt.datetime) -> tuple[Any, ...]:
        sql = self._sql[name]
        async with self._wh.acquire() as conn:
            row = await conn.fetchrow(sql, *([since] * sql.count("%s")))
        assert row is not None  # aggregates always return one row
        return tuple(row)

    async def counts(self, since: dt.datetime) -> RunCounts:
        row = await self._row("run_counts", since)
        return RunCounts(*(int(v) for v in row))

    async def caught(self, since: dt.datetime) -> RunCaught:
        row = await self._row("run_caught", since)
        return RunCaught(*(int(v or 0) for v in row))

    async def latency(self, since: dt.datetime) -> RunLatency:
        row = await self._row("run_latency", since)
        values = [None if v is None else round(float(v), 1) for v in row]
        return RunLatency(*values)


def as_dict(figures: RunCounts | RunCaught | RunLatency) -> dict[str, Any]:
    """A figures record as plain data (for JSON summaries)."""
    return {f.name: getattr(figures, f.name) for f in fields(figures)}
