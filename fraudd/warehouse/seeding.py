"""The seeding area: a fresh schema seeded from a prepared one (the local stack's benchmarks
and demos start every run from the same loaded history and model, copied rather than loaded
again).

Like ingest, this exists for the local stand-in only: on Redshift the operations raise
:class:`WarehouseError` (a Redshift schema is seeded by the operator's own tooling).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from fraudd.warehouse.base import WarehouseError
from fraudd.warehouse.session import SessionBase
from fraudd.warehouse.sqlfiles import load_statement

AREA = "seeding"


class SeedingOps(Protocol):
    async def copy_tables_from(self, source_schema: str, tables: Sequence[str]) -> None:
        """Append every row of each of ``tables`` in ``source_schema`` to the same table here
        (same columns), the target's secondary indexes dropped for the copy and rebuilt after."""

    async def vacuum_analyze(self, tables: Sequence[str]) -> None:
        """Refresh the planner's statistics and visibility map of ``tables`` after a bulk load
        (index-only scans depend on it; autovacuum would do it a minute or so later)."""


class PostgresSeeding(SessionBase):
    def _sql(self, name: str, **identifiers: str) -> str:
        """A seeding statement with the table, index or source schema it names (checked)."""
        schema = self.settings.warehouse.schema_name
        return load_statement(self.dialect, AREA, name, root=None, schema=schema, **identifiers)

    async def _secondary_indexes(self, table: str) -> list[tuple[str, str]]:
        schema = self.settings.warehouse.schema_name
        rows = await self.conn.fetch(self.sql(AREA, "secondary_indexes"), schema, table)
        return [(str(r[0]), str(r[1])) for r in rows]

    async def copy_tables_from(self, source_schema: str, tables: Sequence[str]) -> None:
        indexes = [i for table in tables for i in await self._secondary_indexes(table)]
        async with self.transaction():
            await self.conn.execute(self.sql(AREA, "copy_memory"))
            for name, _definition in indexes:
                await self.conn.execute(self._sql("drop_index", index=name))
            for table in tables:
                await self.conn.execute(self._sql("copy_table", table=table, source=source_schema))
            for _name, definition in indexes:
                await self.conn.execute(definition)  # the server's own CREATE INDEX text

    async def vacuum_analyze(self, tables: Sequence[str]) -> None:
        for table in tables:
            await self.conn.execute(self._sql("vacuum_analyze", table=table))


_NOT_ON_REDSHIFT = (
    "seeding a schema from a template is the local stack's (benchmarks): on Redshift, "
    "load the history with `fraudd simulate history` or the operator's own tooling"
)


class RedshiftSeeding(SessionBase):
    async def copy_tables_from(self, source_schema: str, tables: Sequence[str]) -> None:
        raise WarehouseError(_NOT_ON_REDSHIFT, transient=False)

    async def vacuum_analyze(self, tables: Sequence[str]) -> None:
        raise WarehouseError(_NOT_ON_REDSHIFT, transient=False)
