"""History bulk loads on PostgreSQL: ``COPY ... FROM STDIN``, and index rebuilds for big loads.

A large load into a table that is small in comparison drops the table's non-unique indexes
first and rebuilds them at the end, in the same transaction (a failed load leaves them as they
were). Maintaining three indexes row by row costs several times more than one sort-based build
each. The rebuild holds a lock on ``transactions``: a running consumer waits for it.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterable
from typing import ClassVar, Final

from fraudd.columns import HISTORY_ROW, names
from fraudd.warehouse.shared.history import STAGING, BulkLoad, SharedHistory

BIG_LOAD_ROWS: Final[int] = 200_000
"""Below this many rows, indexes are maintained row by row (a rebuild would not pay)."""


class PostgresBulkLoad(BulkLoad):
    _dropped: list[tuple[str, str]]

    async def copy_into_staging(self, chunks: AsyncIterable[str]) -> int:
        return await self.conn.copy_csv(f"pg_temp.{STAGING}", names(HISTORY_ROW), chunks)

    async def before_insert(self) -> None:
        """Drop the non-unique indexes of ``transactions`` when rebuilding them is faster."""
        self._dropped = []
        incoming = self.result.staged - sum(self.result.rejected.values())
        if incoming < BIG_LOAD_ROWS:
            return
        schema = self.session.settings.warehouse.schema_name
        table = f"{schema}.transactions"
        existing = int(await self.conn.fetchval(self.sql("row_estimate"), table))
        if existing < 0:  # never analysed
            existing = int(await self.conn.fetchval(self.sql("count_transactions")))
        if incoming < existing:
            return
        await self.conn.execute(self.sql("work_mem"))
        for row in await self.conn.fetch(self.sql("secondary_indexes"), table):
            await self.conn.execute(row.drop_statement)
            self._dropped.append((str(row.name), str(row.definition)))

    async def after_insert(self) -> None:
        began = time.perf_counter()
        for _name, definition in self._dropped:
            await self.conn.execute(definition)  # the server's own text of the dropped index
        self.result.indexes_rebuilt = len(self._dropped)
        if self._dropped:
            self.took("rebuild_indexes", began)


class PostgresHistory(SharedHistory):
    bulk_load: ClassVar[type[BulkLoad]] = PostgresBulkLoad
