"""The stream area: reading the streaming view past exact per-shard watermarks, and committing
the consumer's decisions.

The consumer's unit of work (DESIGN.md invariant 1): inside one transaction it stores the new
transactions, scores them, and records decisions, alert outbox, dead letters and the advanced
watermarks. :meth:`StreamOps.begin_decide` is the transaction's first statement: on a database
with snapshot isolation it is what makes two consumers that overlap on a shard serialise.

**PostgreSQL**: arrays in, one round trip per statement. The primary keys are enforced, so
``ON CONFLICT`` and the optimistic watermark ``UPDATE`` make an overlapping consumer roll back
instead of deciding a row twice, at any isolation level.

**Redshift**: staged batches, explicit dedup, one decide lock. Redshift has no arrays, no
``ON CONFLICT``/``RETURNING`` and does not enforce primary keys, and new databases run SNAPSHOT
isolation, which does not prevent write-skew inserts (two ``INSERT ... WHERE NOT EXISTS`` of the
same key both commit). So every decide transaction starts with ``LOCK`` on the watermark table
(:meth:`RedshiftStream.begin_decide`): overlapping consumers then decide one after the other and
each sees what the other committed, whatever the isolation level. The lock is held for one
batch's transaction; consumers of one group that do not overlap wait for each other only for
that long (one statement more per batch).

Redshift's polls never scan the whole streaming view (it only grows and has no index): every
read is bounded by a constant ``refresh_time`` predicate, which zone maps prune. A row past a
shard's watermark was ingested in the same refresh as the watermark's row or a later one, so
``refresh_time >= watermark's refresh_time - REFRESH_MARGIN`` cannot skip a row. refresh_time is
"the time the refresh started" (one clock, the leader node's), so the bound needs no margin in
principle; the margin covers a step of that clock (an NTP correction). Every poll re-reads the
rows refreshed within the margin, so it stays short: a minute is 60,000 rows at 1,000 tx/s.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Protocol

from fraudd.columns import STREAMED, Field, columns_of, names
from fraudd.records import Swipe
from fraudd.warehouse.base import WarehouseError
from fraudd.warehouse.common import values_chunks
from fraudd.warehouse.session import SessionBase, in_list, numbered, stage, statement, value_rows

AREA = "stream"


@dataclass(frozen=True, slots=True)
class StreamRecord:
    """One row of the streaming view. ``arrived_at`` is always an aware UTC datetime."""

    shard_id: str
    sequence_number: str
    partition_key: str
    arrived_at: datetime
    data: bytes
    refreshed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SkippedRecord:
    """A record streaming ingestion did not load into the view (too large for it)."""

    shard_id: str
    sequence_number: str
    logged_at: datetime
    error_code: int


@dataclass(frozen=True, slots=True)
class Watermark:
    """Where a consumer group stands in one shard: the last decided sequence number, and the
    refresh time of that row (a lower bound for every later row of the shard)."""

    sequence_number: str
    refreshed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Decided:
    """A swipe and the verdict it got, as the decisions table and the outbox store them."""

    record: StreamRecord
    swipe: Swipe
    score: float
    decision: str
    reasons: list[dict[str, Any]]
    model_version: str
    alert: dict[str, Any] | None  # the alert payload when the decision is not "approve"


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A record quarantined with its reason (invariant 4); ``raw`` is already PAN-redacted."""

    record: StreamRecord
    reason: str
    detail: str
    raw: bytes


@dataclass(frozen=True, slots=True)
class Advance:
    """Move a shard's watermark from ``old`` (None: the shard has none yet) to ``head``."""

    shard_id: str
    old: Watermark | None
    head: Watermark


@dataclass(frozen=True, slots=True)
class DecidedBatch:
    """What a consumer group's decided batch writes, all in its one transaction."""

    group: str
    decided: Sequence[Decided] = ()
    dead: Sequence[DeadLetter] = ()
    advances: Sequence[Advance] = ()


class WatermarkConflict(WarehouseError):
    """Another consumer advanced a watermark first; this batch is rolled back and re-read."""

    def __init__(self, shard_id: str) -> None:
        super().__init__(f"watermark of {shard_id} moved under us", transient=True)


class StreamOps(Protocol):
    async def refresh_view(self) -> None:
        """``REFRESH MATERIALIZED VIEW`` of the streaming view (when AUTO REFRESH is off)."""

    async def view_refreshable(self) -> bool:
        """True when this session's user may refresh the streaming view (its owner)."""

    async def stream_shards(self, since: datetime | None) -> list[str]:
        """Shards with rows refreshed at or after ``since`` (None: every shard of the view).

        The consumer passes None at start and a recent time afterwards, so that finding new
        shards (resharding) never scans the whole view on a dialect without indexes."""

    async def watermarks(self, group: str) -> dict[str, Watermark]:
        """The group's watermark per shard."""

    async def pending(
        self, after: Mapping[str, Watermark | None], per_shard: int
    ) -> list[StreamRecord]:
        """At most ``per_shard`` rows past each shard's watermark, in sequence order."""

    async def skipped_records(self, since: datetime) -> list[SkippedRecord]:
        """Records ingestion logged as not loaded after ``since``, oldest first."""

    async def begin_decide(self) -> None:
        """First statement of the consumer's transaction (see the module docstring)."""

    async def store_transactions(self, swipes: Sequence[Swipe]) -> set[str]:
        """Store the swipes whose tx_id is new; return those tx_ids (the rest are duplicates)."""

    async def record_batch(self, batch: DecidedBatch) -> None:
        """Decisions, outbox, dead letters and watermarks, in this order;
        :class:`WatermarkConflict` when a watermark was not where the batch read it."""


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


def _watermarks(rows: Sequence[Any]) -> dict[str, Watermark]:
    return {r[0]: Watermark(str(r[1]), as_utc(r[2])) for r in rows}


class SharedStream(SessionBase):
    refresh_view = statement(AREA, "refresh_view", "count", lambda _: None)
    watermarks = statement(AREA, "watermarks", "all", _watermarks)

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


# --- PostgreSQL -------------------------------------------------------------------------------

ADVANCE_FIELDS: tuple[Field, ...] = (
    "shard_id",
    lambda a: int(a.head.sequence_number),
    "head.refreshed_at",
    lambda a: int(a.old.sequence_number),
)
"""An :class:`Advance` of a shard that has a watermark, as ``advance_watermarks`` binds it."""


class PostgresStream(SharedStream):
    async def stream_shards(self, since: datetime | None) -> list[str]:
        """Every shard in the stand-in table (a loose index scan; ``since`` is not needed)."""
        return [r[0] for r in await self.conn.fetch(self.sql(AREA, "shards"))]

    async def pending(
        self, after: Mapping[str, Watermark | None], per_shard: int
    ) -> list[StreamRecord]:
        shards = list(after)
        if not shards:
            return []
        seqs = [int(w.sequence_number) if w else -1 for w in after.values()]
        rows = await self.conn.fetch(self.sql(AREA, "pending"), shards, seqs, per_shard)
        return [StreamRecord(r[0], r[1], r[2], r[3], bytes(r[4]), r[5]) for r in rows]

    async def begin_decide(self) -> None:
        """Nothing to do: enforced keys already make overlapping consumers conflict."""

    async def store_transactions(self, swipes: Sequence[Swipe]) -> set[str]:
        if not swipes:
            return set()
        rows = await self.conn.fetch(
            self.sql(AREA, "insert_transactions"), *columns_of(swipes, TRANSACTION_FIELDS)
        )
        return {r[0] for r in rows}

    async def record_batch(self, batch: DecidedBatch) -> None:
        group, decided, dead = batch.group, batch.decided, batch.dead
        if decided:
            cols = columns_of(decided, decision_fields(int))
            await self.conn.execute(self.sql(AREA, "insert_decisions"), group, *cols)
        alerts = [d for d in decided if d.alert is not None]
        if alerts:
            cols = columns_of(alerts, OUTBOX_FIELDS)
            await self.conn.execute(self.sql(AREA, "insert_outbox"), *cols)
        if dead:
            cols = columns_of(dead, dead_letter_fields(int))
            await self.conn.execute(self.sql(AREA, "insert_dead_letters"), group, *cols)
        await self._advance(group, batch.advances)

    async def _advance(self, group: str, advances: Sequence[Advance]) -> None:
        for a in (a for a in advances if a.old is None):
            n = await self.conn.execute(
                self.sql(AREA, "first_watermark"),
                int(a.head.sequence_number),
                a.head.refreshed_at,
                group,
                a.shard_id,
            )
            if n != 1:
                raise WatermarkConflict(a.shard_id)
        moved = [a for a in advances if a.old is not None]
        if not moved:
            return
        cols = columns_of(moved, ADVANCE_FIELDS)
        n = await self.conn.execute(self.sql(AREA, "advance_watermarks"), *cols, group)
        if n != len(moved):
            raise WatermarkConflict(", ".join(a.shard_id for a in moved))


# --- Redshift ---------------------------------------------------------------------------------

REFRESH_MARGIN = timedelta(minutes=1)
DUPLICATE_WINDOW = timedelta(days=1)
EPOCH = datetime(1970, 1, 1)
_NO_WATERMARK = ""  # shorter than any sequence number, so every row is past it
DEAD_COLUMNS = ("ord", "shard_id", "sequence_number", "partition_key", "reason", "detail", "raw")


def naive_utc(value: datetime | None) -> datetime:
    """A bound for the view's TIMESTAMP columns (UTC, no time zone); None is the epoch."""
    if value is None:
        return EPOCH
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _seq(value: int | str) -> str:
    return str(int(value))


def _aware(value: datetime) -> datetime:
    aware = as_utc(value)
    assert aware is not None
    return aware


class RedshiftStream(SharedStream):
    begin_decide = statement(AREA, "begin_decide", "count", lambda _: None)

    def _bound(self, since: datetime) -> datetime:
        return naive_utc(since)  # SYS_STREAM_SCAN_ERRORS.record_time is a TIMESTAMP (UTC)

    async def stream_shards(self, since: datetime | None) -> list[str]:
        bound = naive_utc(since - REFRESH_MARGIN if since else None)
        return [r[0] for r in await self.conn.fetch(self.sql(AREA, "shards"), bound)]

    async def pending(
        self, after: Mapping[str, Watermark | None], per_shard: int
    ) -> list[StreamRecord]:
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
        marks = " UNION ALL ".join([self.sql(AREA, "watermark_row")] * len(after))
        sql = self.sql(AREA, "pending").replace("/*watermarks*/", marks)
        rows = await self.conn.fetch(sql, *pairs, bound, per_shard)
        return [
            StreamRecord(r[0].strip(), r[1], r[2], _aware(r[3]), bytes(r[4]), as_utc(r[5]))
            for r in rows
        ]

    async def store_transactions(self, swipes: Sequence[Swipe]) -> set[str]:
        if not swipes:
            return set()
        stored = await self._already_stored(swipes)
        fresh: dict[str, Swipe] = {}
        for swipe in swipes:  # the batch's first row of a tx_id wins, as on PostgreSQL
            if swipe.tx_id not in stored and swipe.tx_id not in fresh:
                fresh[swipe.tx_id] = swipe
        rows = value_rows(list(fresh.values()), TRANSACTION_FIELDS)
        await self._insert("insert_transactions", "transaction_row", rows)
        return set(fresh)

    async def _already_stored(self, swipes: Sequence[Swipe]) -> set[str]:
        low = min(s.tx_time for s in swipes) - DUPLICATE_WINDOW
        high = max(s.tx_time for s in swipes) + DUPLICATE_WINDOW
        ids = sorted({s.tx_id for s in swipes})
        sql = in_list(self.sql(AREA, "existing_transactions"), len(ids))
        return {r[0] for r in await self.conn.fetch(sql, low, high, *ids)}

    async def _insert(self, head: str, row: str, rows: Any) -> None:
        """Multi-row INSERT ... VALUES of statement ``head``, one ``row`` group per row."""
        for sql, params in values_chunks(self.sql(AREA, head), self.sql(AREA, row), rows):
            await self.conn.execute(sql, *params)

    async def record_batch(self, batch: DecidedBatch) -> None:
        group = batch.group
        decisions = [(*row, group) for row in value_rows(batch.decided, decision_fields(_seq))]
        await self._insert("insert_decisions", "decision_row", decisions)
        alerts = [d for d in batch.decided if d.alert is not None]
        await self._insert("insert_outbox", "outbox_row", value_rows(alerts, OUTBOX_FIELDS))
        if batch.dead:
            rows = numbered(batch.dead, dead_letter_fields(_seq))
            await stage(self, AREA, "stage_dead_letters", "fraudd_stage_dead", DEAD_COLUMNS, rows)
            await self.conn.execute(self.sql(AREA, "insert_dead_letters"), group)
        await self._advance(group, batch.advances)

    async def _advance(self, group: str, advances: Sequence[Advance]) -> None:
        """One statement per shard (no arrays); each must move exactly one row."""
        for a in advances:
            at = a.head.refreshed_at
            head = (_seq(a.head.sequence_number), None if at is None else naive_utc(at))
            if a.old is None:
                args: tuple[Any, ...] = (*head, group, a.shard_id, group, a.shard_id)
                n = await self.conn.execute(self.sql(AREA, "first_watermark"), *args)
            else:
                args = (*head, group, a.shard_id, _seq(a.old.sequence_number))
                n = await self.conn.execute(self.sql(AREA, "advance_watermark"), *args)
            if n != 1:
                raise WatermarkConflict(a.shard_id)
