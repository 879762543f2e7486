"""Seeding a fresh schema from a prepared one (the local stack's benchmarks and demos start every
run from the same loaded history and model, copied rather than loaded again).

Like ingest, this exists for the local stand-in only: on Redshift the operations raise
:class:`WarehouseError` (a Redshift schema is seeded by the operator's own tooling).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class SeedingOps(Protocol):
    async def copy_tables_from(self, source_schema: str, tables: Sequence[str]) -> None:
        """Append every row of each of ``tables`` in ``source_schema`` to the same table here
        (same columns), the target's secondary indexes dropped for the copy and rebuilt after."""

    async def vacuum_analyze(self, tables: Sequence[str]) -> None:
        """Refresh the planner's statistics and visibility map of ``tables`` after a bulk load
        (index-only scans depend on it; autovacuum would do it a minute or so later)."""
