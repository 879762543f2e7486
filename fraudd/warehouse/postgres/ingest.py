"""The local stand-in for streaming ingestion: append records to the view's table."""

from __future__ import annotations

from collections.abc import Sequence

from fraudd.warehouse.api.stream import StreamRecord
from fraudd.warehouse.session import SessionBase


class PostgresIngest(SessionBase):
    async def stream_position(self, shard_id: str) -> str | None:
        value = await self.conn.fetchval(self.sql("ingest", "stream_position"), shard_id)
        return None if value is None else str(value)

    async def append_records(self, records: Sequence[StreamRecord]) -> None:
        if not records:
            return
        await self.conn.execute(
            self.sql("ingest", "append_records"),
            [r.arrived_at for r in records],
            [r.partition_key for r in records],
            [r.shard_id for r in records],
            [int(r.sequence_number) for r in records],
            [r.data for r in records],
        )
