"""The consumer's operations that are the same on both dialects, and row conversions."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Final

from fraudd.columns import STREAMED, Field, names
from fraudd.warehouse.api.stream import (
    Advance,
    DeadLetter,
    Decided,
    DecidedBatch,
    SkippedRecord,
    Watermark,
)
from fraudd.warehouse.session import SessionBase

AREA = "stream"


def as_utc(value: datetime | None) -> datetime | None:
    """An aware UTC datetime. Redshift's streaming view has TIMESTAMP (no time zone) columns in
    UTC, which the driver returns naive; comparing those with aware times raises TypeError."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


TRANSACTION_FIELDS: Final[tuple[str, ...]] = names(STREAMED)
"""What ``transactions`` stores of a swipe, in the statements' order (fraudd.columns)."""
OUTBOX_FIELDS: Final[tuple[Field, ...]] = (
    "swipe.tx_id", "swipe.card_token", "decision", "score", lambda d: json.dumps(d.alert),
)  # fmt: skip
"""What ``alert_outbox`` stores of a :class:`Decided` with an alert."""


def decision_fields(sequence: Callable[[str], object]) -> tuple[Field, ...]:
    """What ``decisions`` stores of a :class:`Decided`, in the statements' order (without the
    consumer group); ``sequence`` gives the sequence number in the dialect's form."""
    return (
        "swipe.tx_id", "record.shard_id", lambda d: sequence(d.record.sequence_number),
        "swipe.card_token", "swipe.tx_time", "swipe.amount", "score", "decision",
        lambda d: json.dumps(d.reasons), "model_version", "swipe.produced_at",
    )  # fmt: skip


def dead_letter_fields(sequence: Callable[[str], object]) -> tuple[Field, ...]:
    """What ``dead_letters`` stores of a :class:`DeadLetter` (without the consumer group)."""
    return (
        "record.shard_id", lambda d: sequence(d.record.sequence_number), "record.partition_key",
        "reason", "detail", "raw",
    )  # fmt: skip


class SharedStream(SessionBase):
    async def record_batch(self, batch: DecidedBatch) -> None:
        """The four writes of a decided batch, in this order; the dialect's mixin does each."""
        await self._decisions(batch.group, batch.decided)
        await self._outbox(batch.decided)
        await self._dead_letters(batch.group, batch.dead)
        await self._advance(batch.group, batch.advances)

    async def _decisions(self, group: str, decided: Sequence[Decided]) -> None:
        raise NotImplementedError

    async def _outbox(self, decided: Sequence[Decided]) -> None:
        raise NotImplementedError

    async def _dead_letters(self, group: str, dead: Sequence[DeadLetter]) -> None:
        raise NotImplementedError

    async def _advance(self, group: str, advances: Sequence[Advance]) -> None:
        raise NotImplementedError

    async def refresh_view(self) -> None:
        await self.conn.execute(self.sql(AREA, "refresh_view"))

    async def view_refreshable(self) -> bool:
        wh = self.settings.warehouse
        mine = await self.conn.fetchval(
            self.sql(AREA, "view_owner"), wh.schema_name, wh.streaming_view
        )
        return bool(mine)

    async def skipped_records(self, since: datetime) -> list[SkippedRecord]:
        view = self.settings.warehouse.streaming_view
        rows = await self.conn.fetch(self.sql(AREA, "skipped_records"), view, self._bound(since))
        return [SkippedRecord(r[0], r[1], as_utc(r[2]) or since, int(r[3])) for r in rows]

    def _bound(self, since: datetime) -> datetime:
        """``since`` as the dialect compares it with its log's time column."""
        return since

    async def watermarks(self, group: str) -> dict[str, Watermark]:
        rows = await self.conn.fetch(self.sql(AREA, "watermarks"), group)
        return {r[0]: Watermark(str(r[1]), as_utc(r[2])) for r in rows}
