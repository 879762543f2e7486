"""On Redshift, schemas are not seeded from a template by fraudd (see the seam's module)."""

from __future__ import annotations

from collections.abc import Sequence

from fraudd.warehouse.base import WarehouseError
from fraudd.warehouse.session import SessionBase

_WHY = (
    "seeding a schema from a template is the local stack's (benchmarks): on Redshift, "
    "load the history with `fraudd simulate history` or the operator's own tooling"
)


class RedshiftSeeding(SessionBase):
    async def copy_tables_from(self, source_schema: str, tables: Sequence[str]) -> None:
        raise WarehouseError(_WHY, transient=False)

    async def vacuum_analyze(self, tables: Sequence[str]) -> None:
        raise WarehouseError(_WHY, transient=False)
