"""The consumer's operations on PostgreSQL: arrays in, one round trip per statement.

The primary keys are enforced, so ``ON CONFLICT`` and the optimistic watermark ``UPDATE`` make
an overlapping consumer roll back instead of deciding a row twice, at any isolation level.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from fraudd.columns import Field, columns_of
from fraudd.records import Swipe
from fraudd.warehouse.api import stream as api
from fraudd.warehouse.session import SessionBase
from fraudd.warehouse.shared.stream import (
    OUTBOX_FIELDS,
    TRANSACTION_FIELDS,
    SharedStream,
    dead_letter_fields,
    decision_fields,
)

AREA = "stream"
ADVANCE_FIELDS: tuple[Field, ...] = (
    "shard_id",
    lambda a: int(a.head.sequence_number),
    "head.refreshed_at",
    lambda a: int(a.old.sequence_number),
)
"""An :class:`~fraudd.warehouse.api.stream.Advance` of a shard that has a watermark, as
``advance_watermarks`` binds it."""


class PostgresStream(SharedStream, SessionBase):
    async def stream_shards(self, since: datetime | None) -> list[str]:
        """Every shard in the stand-in table (a loose index scan; ``since`` is not needed)."""
        return [r[0] for r in await self.conn.fetch(self.sql(AREA, "shards"))]

    async def pending(
        self, after: Mapping[str, api.Watermark | None], per_shard: int
    ) -> list[api.StreamRecord]:
        shards = list(after)
        if not shards:
            return []
        seqs = [int(w.sequence_number) if w else -1 for w in after.values()]
        rows = await self.conn.fetch(self.sql(AREA, "pending"), shards, seqs, per_shard)
        return [api.StreamRecord(r[0], r[1], r[2], r[3], bytes(r[4]), r[5]) for r in rows]

    async def begin_decide(self) -> None:
        """Nothing to do: enforced keys already make overlapping consumers conflict."""

    async def store_transactions(self, swipes: Sequence[Swipe]) -> set[str]:
        if not swipes:
            return set()
        rows = await self.conn.fetch(
            self.sql(AREA, "insert_transactions"), *columns_of(swipes, TRANSACTION_FIELDS)
        )
        return {r[0] for r in rows}

    async def _decisions(self, group: str, decided: Sequence[api.Decided]) -> None:
        if not decided:
            return
        cols = columns_of(decided, decision_fields(int))
        await self.conn.execute(self.sql(AREA, "insert_decisions"), group, *cols)

    async def _outbox(self, decided: Sequence[api.Decided]) -> None:
        alerts = [d for d in decided if d.alert is not None]
        if not alerts:
            return
        cols = columns_of(alerts, OUTBOX_FIELDS)
        await self.conn.execute(self.sql(AREA, "insert_outbox"), *cols)

    async def _dead_letters(self, group: str, dead: Sequence[api.DeadLetter]) -> None:
        if not dead:
            return
        cols = columns_of(dead, dead_letter_fields(int))
        await self.conn.execute(self.sql(AREA, "insert_dead_letters"), group, *cols)

    async def _advance(self, group: str, advances: Sequence[api.Advance]) -> None:
        for a in (a for a in advances if a.old is None):
            n = await self.conn.execute(
                self.sql(AREA, "first_watermark"),
                int(a.head.sequence_number),
                a.head.refreshed_at,
                group,
                a.shard_id,
            )
            if n != 1:
                raise api.WatermarkConflict(a.shard_id)
        moved = [a for a in advances if a.old is not None]
        if not moved:
            return
        cols = columns_of(moved, ADVANCE_FIELDS)
        n = await self.conn.execute(self.sql(AREA, "advance_watermarks"), *cols, group)
        if n != len(moved):
            raise api.WatermarkConflict(", ".join(a.shard_id for a in moved))
