"""The local stack's stand-in for Redshift streaming ingestion (the ``ingest`` role).

On Redshift the streaming materialized view is filled by Redshift itself; these operations
exist only for the local stand-in table and raise :class:`WarehouseError` elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from fraudd.warehouse.api.stream import StreamRecord


class IngestOps(Protocol):
    async def stream_position(self, shard_id: str) -> str | None:
        """The highest sequence number stored for the shard, or None."""

    async def append_records(self, records: Sequence[StreamRecord]) -> None:
        """Append records to the view's stand-in; a record already there is skipped."""
