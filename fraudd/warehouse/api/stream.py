"""Reading the streaming view past exact per-shard watermarks, and committing decisions.

The consumer's unit of work (DESIGN.md invariant 1): inside one transaction it stores the new
transactions, scores them, and records decisions, alert outbox, dead letters and the advanced
watermarks. :meth:`StreamOps.begin_decide` is the transaction's first statement: on a database
with snapshot isolation it is what makes two consumers that overlap on a shard serialise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from fraudd.records import Swipe
from fraudd.warehouse.base import WarehouseError


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
        """Decisions, outbox, dead letters and watermarks; :class:`WatermarkConflict` when a
        watermark was not where the batch read it."""
