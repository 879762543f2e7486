"""The console's operations on Redshift: no array parameters, so a list of ids becomes an IN
list of placeholders at the statement's ``/*ids*/`` marker (at most
:data:`~fraudd.warehouse.shared.cases.ID_CHUNK` per statement)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fraudd.warehouse.base import Row
from fraudd.warehouse.shared.cases import AREA, SharedCases

IDS_MARKER = "/*ids*/"


class RedshiftCases(SharedCases):
    def _in_list(self, name: str, count: int) -> str:
        if count < 1:
            raise ValueError("an IN list needs at least one value")
        return self.sql(AREA, name).replace(IDS_MARKER, ", ".join(["%s"] * count))

    async def _fetch_ids(self, name: str, ids: Sequence[str], *after: Any) -> list[Row]:
        return await self.conn.fetch(self._in_list(name, len(ids)), *ids, *after)

    async def _execute_ids(self, name: str, ids: Sequence[str]) -> None:
        await self.conn.execute(self._in_list(name, len(ids)), *ids)
