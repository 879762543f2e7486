"""The console's operations on PostgreSQL: a list of ids is one array parameter (``= ANY``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fraudd.warehouse.base import Row
from fraudd.warehouse.shared.cases import AREA, SharedCases


class PostgresCases(SharedCases):
    async def _fetch_ids(self, name: str, ids: Sequence[str], *after: Any) -> list[Row]:
        return await self.conn.fetch(self.sql(AREA, name), list(ids), *after)

    async def _execute_ids(self, name: str, ids: Sequence[str]) -> None:
        await self.conn.execute(self.sql(AREA, name), list(ids))
