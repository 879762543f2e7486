"""Local-stack stand-in for Redshift streaming ingestion.

Reads every shard of the stream and appends the records, with the metadata columns of a Redshift
streaming materialized view, to ``{schema}.{stream_view}``. The table itself is the checkpoint:
on start each shard resumes after its highest stored sequence number, so a crash loses nothing
and the primary key makes a repeated append harmless. Child shards are read only once their
parents are finished, which keeps each card's swipes in order across resharding. Every readable
shard is read at once and one pass is appended in one statement: one round trip and one commit
per pass instead of one per shard.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import structlog
from botocore.exceptions import ClientError

from fraudd.aws import error_code
from fraudd.crashpoints import crashpoint
from fraudd.deps import Deps, Wakeups
from fraudd.stream import Shard, Stream
from fraudd.tasks.loop import Pass, poll_loop
from fraudd.warehouse import StreamRecord

log = structlog.get_logger(__name__)
SHARD_REFRESH_S = 10.0


@dataclass
class IngestState:
    shards: list[Shard] = field(default_factory=list)
    shards_at: float = 0.0
    positions: dict[str, str | None] = field(default_factory=dict)
    iterators: dict[str, str] = field(default_factory=dict)
    finished: set[str] = field(default_factory=set)


async def run(deps: Deps, stop: asyncio.Event) -> None:
    """Ingest until stopped."""
    state = IngestState()
    await poll_loop(
        "ingest", deps, stop, lambda: step(deps, state), deps.settings.ingest.poll_interval_s
    )


async def step(deps: Deps, state: IngestState) -> Pass:
    """One pass: read every readable shard at once, append what came in one statement (one
    commit), then advance the iterators. MORE when a shard returned a full read."""
    assert deps.stream is not None
    if time.monotonic() - state.shards_at > SHARD_REFRESH_S:
        state.shards = await deps.stream.shards()
        state.shards_at = time.monotonic()
    shards = [s.shard_id for s in readable(state)]
    try:
        reads = await asyncio.gather(*(_read(deps, deps.stream, state, s) for s in shards))
        batch = [r for r in reads if r.records]
        if batch:
            crashpoint("ingest.after_read")
            await _append(deps, batch)
    except BaseException:
        for shard_id in shards:  # never advance past an uncommitted batch
            state.iterators.pop(shard_id, None)
        raise
    for read in reads:
        _advance(state, read)
    appended = sum(len(r.records) for r in batch)
    deps.health.set_dependency("stream", True)
    deps.metrics.ingest_behind.set(max((r.behind_ms for r in reads), default=0) / 1000)
    if not appended:
        return Pass.IDLE
    Wakeups.signal(deps.wakeups.consumer)
    limit = deps.settings.ingest.batch_records
    return Pass.MORE if any(len(r.records) >= limit for r in reads) else Pass.CAUGHT_UP


def readable(state: IngestState) -> list[Shard]:
    """Unfinished shards whose parents (if still listed) are finished."""
    listed = {s.shard_id for s in state.shards}
    return [
        s
        for s in state.shards
        if s.shard_id not in state.finished
        and all(p in state.finished or p not in listed for p in s.parent_ids)
    ]


@dataclass
class ShardRead:
    """One GetRecords of one shard, applied to the state only once its records are stored."""

    shard_id: str
    records: list[dict[str, Any]]
    next_iterator: str | None
    behind_ms: int
    expired: bool = False


async def _read(deps: Deps, stream: Stream, state: IngestState, shard_id: str) -> ShardRead:
    iterator = state.iterators.get(shard_id) or await _fresh_iterator(deps, stream, state, shard_id)
    try:
        records, next_iterator, behind = await stream.read(
            iterator, deps.settings.ingest.batch_records
        )
    except ClientError as exc:
        if error_code(exc) != "ExpiredIteratorException":
            raise
        log.info("ingest.iterator_expired", shard_id=shard_id)
        return ShardRead(shard_id, [], None, 0, expired=True)
    return ShardRead(shard_id, records, next_iterator, behind)


def _advance(state: IngestState, read: ShardRead) -> None:
    """After the commit: remember the position and the next iterator (or that the shard ended)."""
    shard_id = read.shard_id
    if read.expired:
        state.iterators.pop(shard_id, None)
        return
    if read.records:
        state.positions[shard_id] = read.records[-1]["SequenceNumber"]
    if read.next_iterator is None:
        state.finished.add(shard_id)
        state.iterators.pop(shard_id, None)
        log.info("ingest.shard_finished", shard_id=shard_id)
    else:
        state.iterators[shard_id] = read.next_iterator


async def _fresh_iterator(deps: Deps, stream: Stream, state: IngestState, shard_id: str) -> str:
    if shard_id not in state.positions:
        async with deps.warehouse.session() as session:
            state.positions[shard_id] = await session.stream_position(shard_id)
        deps.health.set_dependency("warehouse", True)
    return await stream.iterator(shard_id, state.positions[shard_id])


async def _append(deps: Deps, batch: list[ShardRead]) -> None:
    """Append the records of every shard read in one statement."""
    records = [
        StreamRecord(
            read.shard_id, r["SequenceNumber"], r["PartitionKey"],
            r["ApproximateArrivalTimestamp"], bytes(r["Data"]),
        )
        for read in batch
        for r in read.records
    ]  # fmt: skip
    async with deps.warehouse.session() as session:
        await session.append_records(records)
    deps.metrics.records_ingested.inc(len(records))
    deps.metrics.batch_rows.labels(task="ingest").observe(len(records))
