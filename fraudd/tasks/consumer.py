"""The consumer: decide every record of the streaming view exactly once.

Per poll: read the rows past each shard's watermark (Kinesis sequence numbers are ordered per
shard only, so the watermark is per shard and exact), validate them, store the valid ones as
transactions, score them, and commit decisions + alert outbox + dead letters + the advanced
watermarks in ONE transaction (invariant 1). A crash before the commit decides nothing; after it,
the watermark says so. The watermark advance is optimistic, so an overlapping consumer rolls back
instead of deciding a row twice.
"""

from __future__ import annotations

import asyncio
import json
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import structlog

from fraudd.crashpoints import crashpoint
from fraudd.deps import Deps, Wakeups
from fraudd.pan import redact_pans
from fraudd.records import Rejected, Swipe, parse_record
from fraudd.scoring.engine import Engine, build_engine
from fraudd.scoring.verdict import Verdict
from fraudd.settings import Settings
from fraudd.tasks import statements
from fraudd.tasks.loop import Pass, poll_loop
from fraudd.warehouse import Connection, Row, WarehouseError

log = structlog.get_logger(__name__)
SHARD_REFRESH_S = 5.0


class WatermarkConflict(WarehouseError):
    """Another consumer advanced a watermark first; this batch is rolled back and re-read."""

    def __init__(self, shard_id: str) -> None:
        super().__init__(f"watermark of {shard_id} moved under us", transient=True)


@dataclass
class ConsumerState:
    shards: list[str] = field(default_factory=list)
    shards_at: float = float("-inf")
    watermarks: dict[str, str | None] = field(default_factory=dict)
    loaded: bool = False


@dataclass
class Batch:
    """One poll's rows, split into what can be decided and what must be quarantined."""

    rows: list[Row]
    swipes: list[tuple[Row, Swipe]]
    rejected: list[tuple[Row, Rejected]]
    after: dict[str, str | None] = field(default_factory=dict)  # watermarks it was read at
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
    engine = build_engine(deps.settings, deps.warehouse.dialect, deps.metrics, deps.sagemaker)
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
        async with deps.warehouse.acquire() as conn:
            await _refresh(deps, conn, state)
            batch = await _read(deps, conn, state)
            deps.health.set_dependency("warehouse", True)
            if not batch.rows:
                deps.metrics.consumer_lag.set(0)
                return Pass.IDLE
            started = time.perf_counter()
            async with conn.transaction():
                outcome = await _decide(deps, conn, batch, engine)
                crashpoint("consumer.before_commit")
            crashpoint("consumer.after_commit")
            state.watermarks.update(_batch_heads(batch))
    except WarehouseError:
        state.loaded = False  # reload the watermarks: the transaction may not have committed
        raise
    _after_commit(deps, batch, outcome, time.perf_counter() - started)
    return Pass.MORE if batch.full else Pass.CAUGHT_UP


async def _refresh(deps: Deps, conn: Connection, state: ConsumerState) -> None:
    settings = deps.settings
    if settings.warehouse.refresh_view:
        await conn.execute(statements.render(settings, "REFRESH MATERIALIZED VIEW {schema}.{view}"))
    # Until the first rows arrive there is nothing to wait for: look for shards on every poll.
    if not state.shards or time.monotonic() - state.shards_at > SHARD_REFRESH_S:
        c = settings.consumer
        rows = await statements.fetch(conn, settings, "SHARDS")
        state.shards = [r[0] for r in rows if owns(r[0], c.instance_index, c.instance_count)]
        state.shards_at = time.monotonic()
    if not state.loaded:
        rows = await statements.fetch(conn, settings, "WATERMARKS", settings.consumer.group)
        state.watermarks = {r[0]: r[1] for r in rows}
        state.loaded = True


async def _read(deps: Deps, conn: Connection, state: ConsumerState) -> Batch:
    if not state.shards:
        return Batch([], [], [])
    per_shard = max(1, deps.settings.consumer.batch_rows // len(state.shards))
    after = [int(state.watermarks.get(s) or -1) for s in state.shards]
    rows = await statements.fetch(conn, deps.settings, "PENDING", state.shards, after, per_shard)
    swipes, rejected = [], []
    ahead = timedelta(days=deps.settings.consumer.max_future_days)
    for row in rows:
        parsed = parse_record(bytes(row.kinesis_data), row.approximate_arrival_timestamp, ahead)
        if isinstance(parsed, Swipe):
            swipes.append((row, parsed))
        else:
            rejected.append((row, parsed))
    if rows:
        oldest = min(r.approximate_arrival_timestamp for r in rows)
        deps.metrics.consumer_lag.set(max(0.0, (deps.clock() - oldest).total_seconds()))
    deps.metrics.consumer_lag_records.set(len(rows))
    per_shard_rows = Counter(r.shard_id for r in rows)
    full = any(n >= per_shard for n in per_shard_rows.values())
    return Batch(rows, swipes, rejected, {s: state.watermarks.get(s) for s in state.shards}, full)


@dataclass
class Outcome:
    decided: list[tuple[Row, Swipe, Verdict]]
    dead: list[tuple[Row, Rejected]]


async def _decide(deps: Deps, conn: Connection, batch: Batch, engine: Engine) -> Outcome:
    """Everything that must commit together."""
    settings = deps.settings
    new_ids = await _store_transactions(conn, settings, [s for _, s in batch.swipes])
    fresh, dead = _split_duplicates(batch, new_ids)
    verdicts = await engine.score_batch(conn, [s for _, s in fresh]) if fresh else []
    outcome = Outcome([(row, s, v) for (row, s), v in zip(fresh, verdicts, strict=True)], dead)
    await _write_decisions(conn, settings, outcome.decided)
    await _write_outbox(conn, settings, outcome.decided)
    await _write_dead_letters(conn, settings, outcome.dead)
    await _advance_watermarks(conn, settings, batch, _batch_heads(batch))
    return outcome


def _split_duplicates(
    batch: Batch, new_ids: set[str]
) -> tuple[list[tuple[Row, Swipe]], list[tuple[Row, Rejected]]]:
    """A tx_id already stored (a resent record, or a reused id) is quarantined, not re-decided."""
    seen: set[str] = set()
    fresh: list[tuple[Row, Swipe]] = []
    dead = list(batch.rejected)
    for row, swipe in batch.swipes:
        if swipe.tx_id in new_ids and swipe.tx_id not in seen:
            seen.add(swipe.tx_id)
            fresh.append((row, swipe))
        else:
            dead.append((row, Rejected("duplicate_tx_id", "tx_id was already decided")))
    return fresh, dead


async def _store_transactions(
    conn: Connection, settings: Settings, swipes: list[Swipe]
) -> set[str]:
    if not swipes:
        return set()
    cols = (
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
    rows = await statements.fetch(conn, settings, "INSERT_TRANSACTIONS", *cols)
    return {r[0] for r in rows}


def alert_payload(swipe: Swipe, verdict: Verdict) -> dict[str, Any]:
    """The alert investigators receive: last four digits only, reasons in words."""
    return {
        "alert_id": swipe.tx_id,
        "tx_id": swipe.tx_id,
        "decision": verdict.decision,
        "score": round(verdict.score, 6),
        "model_version": verdict.model_version,
        "card_token": swipe.card_token,
        "card_last4": swipe.last4,
        "amount": swipe.amount,
        "currency": swipe.currency,
        "tx_time": swipe.tx_time.isoformat(),
        "terminal_id": swipe.terminal_id,
        "merchant_category": swipe.merchant_category,
        "channel": swipe.channel,
        "reasons": [r.as_dict() for r in verdict.reasons],
    }


async def _write_decisions(
    conn: Connection, settings: Settings, decided: list[tuple[Row, Swipe, Verdict]]
) -> None:
    if not decided:
        return
    cols = (
        [s.tx_id for _, s, _ in decided],
        [r.shard_id for r, _, _ in decided],
        [int(r.sequence_number) for r, _, _ in decided],
        [s.card_token for _, s, _ in decided],
        [s.tx_time for _, s, _ in decided],
        [s.amount for _, s, _ in decided],
        [v.score for _, _, v in decided],
        [v.decision for _, _, v in decided],
        [json.dumps([x.as_dict() for x in v.reasons]) for _, _, v in decided],
        [v.model_version for _, _, v in decided],
        [s.produced_at for _, s, _ in decided],
    )
    await statements.execute(conn, settings, "INSERT_DECISIONS", settings.consumer.group, *cols)


async def _write_outbox(
    conn: Connection, settings: Settings, decided: list[tuple[Row, Swipe, Verdict]]
) -> None:
    alerts = [(s, v) for _, s, v in decided if v.decision != "approve"]
    if not alerts:
        return
    cols = (
        [s.tx_id for s, _ in alerts],
        [s.card_token for s, _ in alerts],
        [v.decision for _, v in alerts],
        [v.score for _, v in alerts],
        [json.dumps(alert_payload(s, v)) for s, v in alerts],
    )
    await statements.execute(conn, settings, "INSERT_OUTBOX", *cols)


async def _write_dead_letters(
    conn: Connection, settings: Settings, dead: list[tuple[Row, Rejected]]
) -> None:
    if not dead:
        return
    cols = (
        [r.shard_id for r, _ in dead],
        [int(r.sequence_number) for r, _ in dead],
        [r.partition_key for r, _ in dead],
        [x.reason for _, x in dead],
        [x.detail for _, x in dead],
        [redact_pans(bytes(r.kinesis_data)) for r, _ in dead],
    )
    await statements.execute(conn, settings, "INSERT_DEAD_LETTERS", settings.consumer.group, *cols)


def _batch_heads(batch: Batch) -> dict[str, str]:
    """The highest sequence number read per shard in this batch."""
    heads: dict[str, int] = {}
    for row in batch.rows:
        seq = int(row.sequence_number)
        if seq > heads.get(row.shard_id, -1):
            heads[row.shard_id] = seq
    return {shard: str(seq) for shard, seq in heads.items()}


async def _advance_watermarks(
    conn: Connection, settings: Settings, batch: Batch, heads: dict[str, str]
) -> None:
    group = settings.consumer.group
    moved = [s for s in heads if batch.after.get(s) is not None]
    for shard_id in (s for s in heads if batch.after.get(s) is None):
        n = await statements.execute(
            conn, settings, "FIRST_WATERMARK", int(heads[shard_id]), group, shard_id
        )
        if n != 1:
            raise WatermarkConflict(shard_id)
    if moved:
        n = await statements.execute(
            conn,
            settings,
            "ADVANCE_WATERMARKS",
            moved,
            [int(heads[s]) for s in moved],
            [int(batch.after[s] or 0) for s in moved],
            group,
        )
        if n != len(moved):
            raise WatermarkConflict(", ".join(moved))


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
