"""The consumer's operations on Redshift: staged batches, explicit dedup, one decide lock.

Redshift has no arrays, no ``ON CONFLICT``/``RETURNING`` and does not enforce primary keys, and
new databases run SNAPSHOT isolation, which does not prevent write-skew inserts (two
``INSERT ... WHERE NOT EXISTS`` of the same key both commit). So every decide transaction starts
with ``LOCK`` on the watermark table (:meth:`RedshiftStream.begin_decide`): overlapping
consumers then decide one after the other and each sees what the other committed, whatever the
isolation level. The lock is held for one batch's transaction; consumers of one group that do
not overlap wait for each other only for that long (one statement more per batch).

Polls never scan the whole streaming view (it only grows and has no index): every read is
bounded by a constant ``refresh_time`` predicate, which zone maps prune. A row past a shard's
watermark was ingested in the same refresh as the watermark's row or a later one, so
``refresh_time >= watermark's refresh_time - REFRESH_MARGIN`` cannot skip a row. refresh_time is
"the time the refresh started" (one clock, the leader node's), so the bound needs no margin in
principle; the margin covers a step of that clock (an NTP correction). Every poll re-reads the
rows refreshed within the margin, so it stays short: a minute is 60,000 rows at 1,000 tx/s.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from fraudd.columns import Field, columns_of
from fraudd.records import Swipe
from fraudd.warehouse.api import stream as api
from fraudd.warehouse.common import values_chunks
from fraudd.warehouse.redshift.actions import placeholders
from fraudd.warehouse.redshift.staging import numbered, stage
from fraudd.warehouse.session import SessionBase
from fraudd.warehouse.shared.stream import (
    OUTBOX_FIELDS,
    TRANSACTION_FIELDS,
    SharedStream,
    as_utc,
    dead_letter_fields,
    decision_fields,
)

AREA = "stream"
REFRESH_MARGIN = timedelta(minutes=1)
DUPLICATE_WINDOW = timedelta(days=1)
EPOCH = datetime(1970, 1, 1)
_NO_WATERMARK = ""  # shorter than any sequence number, so every row is past it


def naive_utc(value: datetime | None) -> datetime:
    """A bound for the view's TIMESTAMP columns (UTC, no time zone); None is the epoch."""
    if value is None:
        return EPOCH
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _seq(value: int | str) -> str:
    return str(int(value))


class RedshiftStream(SharedStream, SessionBase):
    async def stream_shards(self, since: datetime | None) -> list[str]:
        bound = naive_utc(since - REFRESH_MARGIN if since else None)
        return [r[0] for r in await self.conn.fetch(self.sql(AREA, "shards"), bound)]

    def _bound(self, since: datetime) -> datetime:
        return naive_utc(since)  # SYS_STREAM_SCAN_ERRORS.record_time is a TIMESTAMP (UTC)

    async def pending(
        self, after: Mapping[str, api.Watermark | None], per_shard: int
    ) -> list[api.StreamRecord]:
        if not after:
            return []
        pairs = [
            value
            for shard, mark in after.items()
            for value in (shard, _seq(mark.sequence_number) if mark else _NO_WATERMARK)
        ]
        lows = [m.refreshed_at if m else None for m in after.values()]
        low = None if None in lows else min(x for x in lows if x is not None)
        bound = naive_utc(low - REFRESH_MARGIN if low else None)
        sql = self._pending_sql(len(after))
        rows = await self.conn.fetch(sql, *pairs, bound, per_shard)
        return [
            api.StreamRecord(r[0].strip(), r[1], r[2], _aware(r[3]), bytes(r[4]), as_utc(r[5]))
            for r in rows
        ]

    def _pending_sql(self, shards: int) -> str:
        rows = " UNION ALL ".join([self.sql(AREA, "watermark_row")] * shards)
        return self.sql(AREA, "pending").replace("/*watermarks*/", rows)

    async def begin_decide(self) -> None:
        await self.conn.execute(self.sql(AREA, "begin_decide"))

    async def store_transactions(self, swipes: Sequence[Swipe]) -> set[str]:
        if not swipes:
            return set()
        stored = await self._already_stored(swipes)
        fresh: dict[str, Swipe] = {}
        for swipe in swipes:  # the batch's first row of a tx_id wins, as on PostgreSQL
            if swipe.tx_id not in stored and swipe.tx_id not in fresh:
                fresh[swipe.tx_id] = swipe
        rows = _rows(list(fresh.values()), TRANSACTION_FIELDS)
        await self._insert("insert_transactions", "transaction_row", rows)
        return set(fresh)

    async def _already_stored(self, swipes: Sequence[Swipe]) -> set[str]:
        low = min(s.tx_time for s in swipes) - DUPLICATE_WINDOW
        high = max(s.tx_time for s in swipes) + DUPLICATE_WINDOW
        ids = sorted({s.tx_id for s in swipes})
        sql = self.sql(AREA, "existing_transactions").replace("/*ids*/", placeholders(len(ids)))
        return {r[0] for r in await self.conn.fetch(sql, low, high, *ids)}

    async def _insert(self, head: str, row: str, rows: Iterable[Sequence[Any]]) -> None:
        """Multi-row INSERT ... VALUES of statement ``head``, one ``row`` group per row."""
        chunks = values_chunks(self.sql(AREA, head), self.sql(AREA, row), rows)
        for sql, params in chunks:
            await self.conn.execute(sql, *params)

    async def _decisions(self, group: str, decided: Sequence[api.Decided]) -> None:
        rows = [(*row, group) for row in _rows(decided, decision_fields(_seq))]
        await self._insert("insert_decisions", "decision_row", rows)

    async def _outbox(self, decided: Sequence[api.Decided]) -> None:
        rows = _rows([d for d in decided if d.alert is not None], OUTBOX_FIELDS)
        await self._insert("insert_outbox", "outbox_row", rows)

    async def _dead_letters(self, group: str, dead: Sequence[api.DeadLetter]) -> None:
        if not dead:
            return
        names = ("ord", "shard_id", "sequence_number", "partition_key", "reason", "detail", "raw")
        rows = numbered(dead, dead_letter_fields(_seq))
        await stage(self, AREA, "stage_dead_letters", "fraudd_stage_dead", names, rows)
        await self.conn.execute(self.sql(AREA, "insert_dead_letters"), group)

    async def _advance(self, group: str, advances: Sequence[api.Advance]) -> None:
        """One statement per shard (no arrays); each must move exactly one row."""
        for a in advances:
            head = (_seq(a.head.sequence_number), _naive(a.head.refreshed_at))
            if a.old is None:
                args: tuple[Any, ...] = (*head, group, a.shard_id, group, a.shard_id)
                n = await self.conn.execute(self.sql(AREA, "first_watermark"), *args)
            else:
                args = (*head, group, a.shard_id, _seq(a.old.sequence_number))
                n = await self.conn.execute(self.sql(AREA, "advance_watermark"), *args)
            if n != 1:
                raise api.WatermarkConflict(a.shard_id)


def _naive(value: datetime | None) -> datetime | None:
    return None if value is None else naive_utc(value)


def _aware(value: datetime) -> datetime:
    aware = as_utc(value)
    assert aware is not None
    return aware


def _rows(items: Sequence[Any], fields: Sequence[Field]) -> Iterable[tuple[Any, ...]]:
    """``items`` as the rows of an ``INSERT ... VALUES`` (one tuple of ``fields`` each)."""
    return zip(*columns_of(items, fields), strict=True)
