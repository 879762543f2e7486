"""The ingest area: the local stack's stand-in for Redshift streaming ingestion (the ``ingest``
role) appends records to the table standing in for the streaming view.

On Redshift the streaming materialized view is filled by Redshift itself; these operations
exist only for the local stand-in table and raise :class:`WarehouseError` there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from fraudd.columns import Field, columns_of
from fraudd.warehouse.base import WarehouseError
from fraudd.warehouse.session import SessionBase, statement
from fraudd.warehouse.stream import StreamRecord

AREA = "ingest"
APPEND_FIELDS: tuple[Field, ...] = (
    "arrived_at", "partition_key", "shard_id", lambda r: int(r.sequence_number), "data",
)  # fmt: skip
"""A :class:`StreamRecord` as ``append_records`` binds it (the view's metadata columns)."""


class IngestOps(Protocol):
    async def stream_position(self, shard_id: str) -> str | None:
        """The highest sequence number stored for the shard, or None."""

    async def append_records(self, records: Sequence[StreamRecord]) -> None:
        """Append records to the view's stand-in; a record already there is skipped."""


def _text(value: object) -> str | None:
    return None if value is None else str(value)


class PostgresIngest(SessionBase):
    stream_position = statement(AREA, "stream_position", "value", _text)

    async def append_records(self, records: Sequence[StreamRecord]) -> None:
        if not records:
            return
        cols = columns_of(records, APPEND_FIELDS)
        await self.conn.execute(self.sql(AREA, "append_records"), *cols)


_NOT_ON_REDSHIFT = (
    "the ingest role is the local stack's stand-in for Redshift streaming ingestion: "
    "on Redshift, leave it out of `roles` (the streaming materialized view is filled by Redshift)"
)


class RedshiftIngest(SessionBase):
    async def stream_position(self, shard_id: str) -> str | None:
        raise WarehouseError(_NOT_ON_REDSHIFT, transient=False)

    async def append_records(self, records: Sequence[StreamRecord]) -> None:
        raise WarehouseError(_NOT_ON_REDSHIFT, transient=False)
