"""The local stand-in for streaming ingestion: append records to the view's table."""

from __future__ import annotations

from collections.abc import Sequence

from fraudd.columns import Field, columns_of
from fraudd.warehouse.api.stream import StreamRecord
from fraudd.warehouse.session import SessionBase

APPEND_FIELDS: tuple[Field, ...] = (
    "arrived_at", "partition_key", "shard_id", lambda r: int(r.sequence_number), "data",
)  # fmt: skip
"""A :class:`StreamRecord` as ``append_records`` binds it (the view's metadata columns)."""


class PostgresIngest(SessionBase):
    async def stream_position(self, shard_id: str) -> str | None:
        value = await self.conn.fetchval(self.sql("ingest", "stream_position"), shard_id)
        return None if value is None else str(value)

    async def append_records(self, records: Sequence[StreamRecord]) -> None:
        if not records:
            return
        cols = columns_of(records, APPEND_FIELDS)
        await self.conn.execute(self.sql("ingest", "append_records"), *cols)
