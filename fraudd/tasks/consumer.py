"""The consumer: decide every record of the streaming view exactly once.

Per poll: read the rows past each shard's watermark (Kinesis sequence numbers are ordered per
shard only, so the watermark is per shard and exact), validate them, store the valid ones as
transactions, score them, and commit decisions + alert outbox + dead letters + the advanced
watermarks in ONE transaction (invariant 1). A crash before the commit decides nothing; after it,
the watermark says so. The watermark advance is optimistic, so an overlapping consumer rolls back
instead of deciding a row twice. Every warehouse operation goes through the seam
(:mod:`fraudd.warehouse.stream`); the warehouse's session decides how.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog

from fraudd import alert as alerts
from fraudd.crashpoints import crashpoint
from fraudd.deps import Deps, Wakeups
from fraudd.metrics import stage
from fraudd.pan import redact_pans
from fraudd.records import Rejected, Swipe, parse_record
from fraudd.scoring.engine import Engine, build_engine
from fraudd.scoring.verdict import Verdict
from fraudd.tasks.loop import Pass, poll_loop
from fraudd.warehouse import (
    Advance,
    DeadLetter,
    Decided,
    DecidedBatch,
    Session,
    StreamRecord,
    WarehouseError,
    Watermark,
)

log = structlog.get_logger(__name__)
SHARD_REFRESH_S = 5.0
SKIPPED_CHECK_S = 30.0
SKIPPED_LOOKBACK = timedelta(days=7)
SKIPPED_DETAIL = (
    "streaming ingestion did not load this record into the view (error {code}): records of "
    "1 MiB or more are skipped; its bytes stay in the stream until its retention period ends"
)


@dataclass
class ConsumerState:
    shards: list[str] = field(default_factory=list)
    shards_at: float = float("-inf")
    shards_since: datetime | None = None  # newest refresh seen at the last shard discovery
    watermarks: dict[str, Watermark] = field(default_factory=dict)
    loaded: bool = False
    skipped_at: float = float("-inf")
    skipped_since: datetime | None = None


@dataclass
class Batch:
    """One poll's rows, split into what can be decided and what must be quarantined."""

    rows: list[StreamRecord]
    swipes: list[tuple[StreamRecord, Swipe]]
    rejected: list[tuple[StreamRecord, Rejected]]
    after: dict[str, Watermark | None] = field(default_factory=dict)  # watermarks it was read at
    full: bool = False  # some shard had more rows than one batch takes


def owns(shard_id: str, index: int, count: int) -> bool:
    """Stable shard assignment for instance ``index`` of ``count`` (survives resharding).

    Kinesis shard ids end in a number that grows with every resharding (shardId-000000000007),
    so number mod count deals the shards out round-robin. crc32 of such ids is not balanced:
    shardId-0..3 all have the same crc32 parity, which would leave instance 1 of 2 idle on a
    4-shard stream. Ids without a numeric suffix fall back to crc32.
    """
    suffix = shard_id.strip().rsplit("-", 1)[-1]
    key = int(suffix) if suffix.isascii() and suffix.isdigit() else zlib.crc32(shard_id.encode())
    return key % count == index


async def run(deps: Deps, stop: asyncio.Event) -> None:
    """Consume until stopped."""
    state = ConsumerState()
    engine = build_engine(deps.settings, deps.metrics, deps.sagemaker)
    await poll_loop(
        "consumer",
        deps,
        stop,
        lambda: step(deps, state, engine),
        deps.settings.consumer.poll_interval_s,
        deps.wakeups.consumer,
    )


async def step(deps: Deps, state: ConsumerState, engine: Engine) -> Pass:
    """One poll: decide at most one batch (MORE when a shard had more than it could take)."""
    try:
        async with deps.warehouse.session() as session:
            await _refresh(deps, session, state)
            await _quarantine_skipped(deps, session, state)
            batch = await _read(deps, session, state)
            deps.health.set_dependency("warehouse", True)
            if not batch.rows:
                deps.metrics.consumer_lag.set(0)
                return Pass.IDLE
            started = time.perf_counter()
            async with session.transaction():
                outcome = await _decide(deps, session, batch, engine)
                crashpoint("consumer.before_commit")
            crashpoint("consumer.after_commit")
            state.watermarks.update(_batch_heads(batch))
    except WarehouseError:
        state.loaded = False  # reload the watermarks: the transaction may not have committed
        raise
    _after_commit(deps, batch, outcome, time.perf_counter() - started)
    return Pass.MORE if batch.full else Pass.CAUGHT_UP


async def _refresh(deps: Deps, session: Session, state: ConsumerState) -> None:
    settings = deps.settings
    if settings.warehouse.refresh_view:
        await session.refresh_view()
    # Until the first rows arrive there is nothing to wait for: look for shards on every poll.
    if not state.shards or time.monotonic() - state.shards_at > SHARD_REFRESH_S:
        c = settings.consumer
        found = await session.stream_shards(state.shards_since)
        mine = {s for s in found if owns(s, c.instance_index, c.instance_count)}
        state.shards = sorted(mine | set(state.shards))
        state.shards_at = time.monotonic()
    if not state.loaded:
        state.watermarks = await session.watermarks(settings.consumer.group)
        state.loaded = True


async def _quarantine_skipped(deps: Deps, session: Session, state: ConsumerState) -> None:
    """Records that ingestion logged as not loaded (too large for the view) never reach the
    consumer: each becomes a dead letter, by the instance that owns its shard, so that every
    record of the stream has a verdict (invariant 1) and operators see them in one place."""
    if time.monotonic() - state.skipped_at < SKIPPED_CHECK_S:
        return
    state.skipped_at = time.monotonic()
    since = state.skipped_since or deps.clock() - SKIPPED_LOOKBACK
    skipped = await session.skipped_records(since)
    if not skipped:
        return
    c = deps.settings.consumer
    dead = [
        DeadLetter(
            StreamRecord(s.shard_id, s.sequence_number, "", s.logged_at, b""),
            "skipped_by_ingestion", SKIPPED_DETAIL.format(code=s.error_code), b"",
        )
        for s in skipped
        if owns(s.shard_id, c.instance_index, c.instance_count)
    ]  # fmt: skip
    if dead:
        async with session.transaction():
            await session.begin_decide()
            await session.record_batch(DecidedBatch(c.group, dead=dead))
        deps.metrics.records_dead_lettered.labels(reason="skipped_by_ingestion").inc(len(dead))
        log.warning("consumer.records_skipped_by_ingestion", records=len(dead))
    state.skipped_since = max(s.logged_at for s in skipped)


async def _read(deps: Deps, session: Session, state: ConsumerState) -> Batch:
    if not state.shards:
        return Batch([], [], [])
    per_shard = max(1, deps.settings.consumer.batch_rows // len(state.shards))
    after = {s: state.watermarks.get(s) for s in state.shards}
    with stage(deps.metrics, "read"):
        rows = await session.pending(after, per_shard)
    swipes, rejected = [], []
    ahead = timedelta(days=deps.settings.consumer.max_future_days)
    for row in rows:
        parsed = parse_record(row.data, row.arrived_at, ahead)
        if isinstance(parsed, Swipe):
            swipes.append((row, parsed))
        else:
            rejected.append((row, parsed))
    _note_refreshes(state, rows)
    if rows:
        oldest = min(r.arrived_at for r in rows)
        deps.metrics.consumer_lag.set(max(0.0, (deps.clock() - oldest).total_seconds()))
    deps.metrics.consumer_lag_records.set(len(rows))
    per_shard_rows = Counter(r.shard_id for r in rows)
    full = any(n >= per_shard for n in per_shard_rows.values())
    return Batch(rows, swipes, rejected, after, full)


def _note_refreshes(state: ConsumerState, rows: list[StreamRecord]) -> None:
    """Shard discovery after the first looks only at rows refreshed since the newest row seen
    then (the session subtracts its own safety margin)."""
    seen = [r.refreshed_at for r in rows if r.refreshed_at is not None]
    if seen and (state.shards_since is None or max(seen) > state.shards_since):
        state.shards_since = max(seen)


@dataclass
class Outcome:
    decided: list[tuple[StreamRecord, Swipe, Verdict]]
    dead: list[tuple[StreamRecord, Rejected]]


async def _decide(deps: Deps, session: Session, batch: Batch, engine: Engine) -> Outcome:
    """Everything that must commit together, in this order:

    1. ``begin_decide`` (the warehouse's guard against an overlapping consumer);
    2. store the valid swipes as transactions (a tx_id already stored is a duplicate);
    3. score the new ones (features are computed from the stored transactions);
    4. decisions, outbox, dead letters and the advanced watermarks in one call.
    """
    await session.begin_decide()  # 1
    with stage(deps.metrics, "store"):
        new_ids = await session.store_transactions([s for _, s in batch.swipes])  # 2
    fresh, dead = _split_duplicates(batch, new_ids)
    verdicts = await engine.score_batch(session, [s for _, s in fresh]) if fresh else []  # 3
    outcome = Outcome([(row, s, v) for (row, s), v in zip(fresh, verdicts, strict=True)], dead)
    with stage(deps.metrics, "write"):
        writes = DecidedBatch(
            deps.settings.consumer.group,
            [_decided(row, s, v) for row, s, v in outcome.decided],
            [_dead_letter(row, x) for row, x in outcome.dead],
            _advances(batch),
        )
        await session.record_batch(writes)  # 4
    return outcome


def _split_duplicates(
    batch: Batch, new_ids: set[str]
) -> tuple[list[tuple[StreamRecord, Swipe]], list[tuple[StreamRecord, Rejected]]]:
    """A tx_id already stored (a resent record, or a reused id) is quarantined, not re-decided."""
    seen: set[str] = set()
    fresh: list[tuple[StreamRecord, Swipe]] = []
    dead = list(batch.rejected)
    for row, swipe in batch.swipes:
        if swipe.tx_id in new_ids and swipe.tx_id not in seen:
            seen.add(swipe.tx_id)
            fresh.append((row, swipe))
        else:
            dead.append((row, Rejected("duplicate_tx_id", "tx_id was already decided")))
    return fresh, dead


def _decided(row: StreamRecord, swipe: Swipe, verdict: Verdict) -> Decided:
    alert = alerts.payload(swipe, verdict) if verdict.decision != "approve" else None
    reasons = [r.as_dict() for r in verdict.reasons]
    return Decided(
        row, swipe, verdict.score, verdict.decision, reasons, verdict.model_version, alert
    )


def _dead_letter(row: StreamRecord, rejected: Rejected) -> DeadLetter:
    return DeadLetter(row, rejected.reason, rejected.detail, redact_pans(row.data))


def _batch_heads(batch: Batch) -> dict[str, Watermark]:
    """The last row read per shard in this batch, as the shard's next watermark."""
    heads: dict[str, StreamRecord] = {}
    for row in batch.rows:
        head = heads.get(row.shard_id)
        if head is None or int(row.sequence_number) > int(head.sequence_number):
            heads[row.shard_id] = row
    return {s: Watermark(r.sequence_number, r.refreshed_at) for s, r in heads.items()}


def _advances(batch: Batch) -> list[Advance]:
    return [Advance(s, batch.after.get(s), head) for s, head in _batch_heads(batch).items()]


def _after_commit(deps: Deps, batch: Batch, outcome: Outcome, seconds: float) -> None:
    """Metrics, the canonical batch log line, and a nudge to the actions task."""
    m, now = deps.metrics, deps.clock()
    counts: dict[str, int] = {}
    for _, swipe, verdict in outcome.decided:
        counts[verdict.decision] = counts.get(verdict.decision, 0) + 1
        m.score.observe(verdict.score)
        m.end_to_end_latency.observe(max(0.0, (now - swipe.produced_at).total_seconds()))
    for decision, n in counts.items():
        m.records_decided.labels(decision=decision).inc(n)
    for _, rejected in outcome.dead:
        m.records_dead_lettered.labels(reason=rejected.reason).inc()
    m.batch_rows.labels(task="consumer").observe(len(batch.rows))
    if counts.get("review") or counts.get("block"):
        Wakeups.signal(deps.wakeups.actions)
    log.info(
        "consumer.batch_committed",
        rows=len(batch.rows),
        decided=len(outcome.decided),
        dead_lettered=len(outcome.dead),
        duration_ms=round(seconds * 1000, 1),
        **counts,
    )
