"""On Redshift, streaming ingestion fills the view itself: the ingest role has nothing to do."""

from __future__ import annotations

from collections.abc import Sequence

from fraudd.warehouse.api.stream import StreamRecord
from fraudd.warehouse.base import WarehouseError
from fraudd.warehouse.session import SessionBase

_WHY = (
    "the ingest role is the local stack's stand-in for Redshift streaming ingestion: "
    "on Redshift, leave it out of `roles` (the streaming materialized view is filled by Redshift)"
)


class RedshiftIngest(SessionBase):
    async def stream_position(self, shard_id: str) -> str | None:
        raise WarehouseError(_WHY, transient=False)

    async def append_records(self, records: Sequence[StreamRecord]) -> None:
        raise WarehouseError(_WHY, transient=False)
