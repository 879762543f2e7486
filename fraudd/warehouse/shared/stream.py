"""The consumer's operations that are the same on both dialects, and row conversions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from fraudd.records import Swipe
from fraudd.warehouse.api.stream import Advance, DeadLetter, Decided, SkippedRecord, Watermark
from fraudd.warehouse.session import SessionBase

AREA = "stream"


def as_utc(value: datetime | None) -> datetime | None:
    """An aware UTC datetime. Redshift's streaming view has TIMESTAMP (no time zone) columns in
    UTC, which the driver returns naive; comparing those with aware times raises TypeError."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def transaction_columns(swipes: Sequence[Swipe]) -> tuple[list[object], ...]:
    """The swipes as the columns of ``transactions``, in the statements' order."""
    return (
        [s.tx_id for s in swipes],
        [s.tx_time for s in swipes],
        [s.customer_id for s in swipes],
        [s.terminal_id for s in swipes],
        [s.card_token for s in swipes],
        [s.last4 for s in swipes],
        [s.amount for s in swipes],
        [s.merchant_category for s in swipes],
        [s.channel for s in swipes],
        [s.currency for s in swipes],
        [s.terminal_x for s in swipes],
        [s.terminal_y for s in swipes],
        [s.produced_at for s in swipes],
    )


class SharedStream(SessionBase):
    async def record_batch(
        self,
        group: str,
        decided: Sequence[Decided],
        dead: Sequence[DeadLetter],
        advances: Sequence[Advance],
    ) -> None:
        """The four writes of a decided batch, in this order; the dialect's mixin does each."""
        await self._decisions(group, decided)
        await self._outbox(decided)
        await self._dead_letters(group, dead)
        await self._advance(group, advances)

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
