"""Seeding a fresh schema from a prepared one on PostgreSQL (see the seam's module)."""

from __future__ import annotations

from collections.abc import Sequence

from fraudd.warehouse.session import SessionBase
from fraudd.warehouse.sqlfiles import load_statement


class PostgresSeeding(SessionBase):
    def _sql(self, name: str, **identifiers: str) -> str:
        """A seeding statement with the table, index or source schema it names (checked)."""
        schema = self.settings.warehouse.schema_name
        return load_statement(
            self.dialect, "seeding", name, root=None, schema=schema, **identifiers
        )

    async def _secondary_indexes(self, table: str) -> list[tuple[str, str]]:
        schema = self.settings.warehouse.schema_name
        rows = await self.conn.fetch(self.sql("seeding", "secondary_indexes"), schema, table)
        return [(str(r[0]), str(r[1])) for r in rows]

    async def copy_tables_from(self, source_schema: str, tables: Sequence[str]) -> None:
        indexes = [i for table in tables for i in await self._secondary_indexes(table)]
        async with self.transaction():
            await self.conn.execute(self.sql("seeding", "copy_memory"))
            for name, _definition in indexes:
                await self.conn.execute(self._sql("drop_index", index=name))
            for table in tables:
                await self.conn.execute(self._sql("copy_table", table=table, source=source_schema))
            for _name, definition in indexes:
                await self.conn.execute(definition)  # the server's own CREATE INDEX text

    async def vacuum_analyze(self, tables: Sequence[str]) -> None:
        for table in tables:
            await self.conn.execute(self._sql("vacuum_analyze", table=table))
