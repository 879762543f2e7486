"""Redshift mode: round trips per decided batch on each dialect, and what a poll reads as the
streaming view grows.

On Redshift every statement costs tens of milliseconds of latency, so the first figure is the
number of statements (round trips) the consumer sends per decided batch. The second is the
consumer's poll (``pending`` + shard discovery) on a view of 100 k and of 5 M rows, with the
consumer at its steady state (watermarks near the head): on Redshift the view has no index and
only grows, so a poll that is not bounded by a constant ``refresh_time`` predicate (which zone
maps prune) reads the whole view. In Redshift mode the stand-in view has no index but a BRIN
index on ``refresh_time`` — PostgreSQL's nearest analogue of zone maps — so rows read and time
show whether the poll's cost grows with the view.

The Redshift mode is the test suite's (tests/warehouse/contract/env.py): the product's Redshift
statements on PostgreSQL with Redshift's schema semantics.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import Result, Target
from bench.context import Context
from fraudd.records import Swipe
from fraudd.scoring.engine import build_engine
from fraudd.tasks import consumer
from fraudd.warehouse.stream import StreamRecord, Watermark
from tests.warehouse.contract.env import ContractEnv, open_contract_env

SIZES = (100_000, 1_000_000, 5_000_000)
QUICK_SIZES = (100_000, 500_000)
SHARDS = [f"shardId-00000000000{i}" for i in range(4)]
BEHIND = 250  # rows per shard past the watermarks at each measured poll
BATCH = 200
TARGET_RATIO = 1.3
BASE_SEQ = 49590338271490256608559692538361571095921575989136588898
START = datetime(2026, 1, 1)

FILL = {
    # n rows, round-robin over 4 shards, one refresh every 1,000 rows (refresh_time grows)
    "postgres": """
INSERT INTO {schema}.tx_stream (approximate_arrival_timestamp, partition_key, shard_id,
    sequence_number, refresh_time, kinesis_data)
SELECT %s::timestamptz + g * interval '1 millisecond', 'pk', 'shardId-00000000000' || (g %% 4),
       %s::numeric + g, %s::timestamptz + (g / 1000) * interval '1 second', '\\x7b7d'::bytea
FROM generate_series(%s::bigint, %s::bigint) AS g""",
    "redshift": """
INSERT INTO {schema}.tx_stream (approximate_arrival_timestamp, partition_key, shard_id,
    sequence_number, refresh_time, kinesis_data)
SELECT %s::timestamp + g * interval '1 millisecond', 'pk', 'shardId-00000000000' || (g %% 4),
       (%s::numeric + g)::text, %s::timestamp + (g / 1000) * interval '1 second', '\\x7b7d'::bytea
FROM generate_series(%s::bigint, %s::bigint) AS g""",
}


def _swipe(i: int) -> bytes:
    now = datetime.now(UTC)
    return Swipe(
        tx_id=f"bench-{i:06d}", tx_time=now, card_token=f"card-{i % 50:06d}", last4="4242",
        customer_id=f"cust-{i % 50}", terminal_id=f"term-{i % 7}",
        amount=900.0 if i % 9 == 0 else 30.0, produced_at=now,
    ).to_bytes()  # fmt: skip


async def statements_per_batch(env: ContractEnv) -> dict[str, Any]:
    """Round trips of the consumer's decided batches of :data:`BATCH` swipes over 2 shards."""
    state, engine = consumer.ConsumerState(), build_engine(env.settings)
    counts = []
    for wave in range(3):
        first = wave * BATCH
        await env.append([
            StreamRecord(SHARDS[i % 2], str(BASE_SEQ + i), "pk", datetime.now(UTC), _swipe(i))
            for i in range(first, first + BATCH)
        ])  # fmt: skip
        async with env.deps.warehouse.traced() as trace:
            await consumer.step(env.deps, state, engine)
        counts.append(len(trace.statements))
    return {"batch_rows": BATCH, "shards": 2, "statements_first_batch": counts[0],
            "statements_per_batch": counts[-1], "statements_by_batch": counts}  # fmt: skip


async def fill(env: ContractEnv, dialect: str, low: int, high: int) -> None:
    sql = FILL[dialect].replace("{schema}", env.schema)
    start = START if dialect == "redshift" else START.replace(tzinfo=UTC)
    for lo in range(low, high, 500_000):  # as the view's owner: set-up, not the daemon's work
        await env.as_owner(sql, start, BASE_SEQ, start, lo, min(high, lo + 500_000) - 1)
    await env.as_owner(f"VACUUM ANALYZE {env.schema}.tx_stream")


def _head_marks(size: int) -> dict[str, Watermark]:
    """Each shard's watermark BEHIND rows before its head (rows g = shard (mod 4) ... size-1)."""
    marks = {}
    for s, shard in enumerate(SHARDS):
        last = max(g for g in range(size - 4, size) if g % 4 == s) - 4 * BEHIND
        refreshed = (START + timedelta(seconds=last // 1000)).replace(tzinfo=UTC)
        marks[shard] = Watermark(str(BASE_SEQ + last), refreshed)
    return marks


async def measure_poll(env: ContractEnv, size: int, rounds: int) -> dict[str, Any]:
    """Median time of one poll (pending + shard discovery), and what its statements read."""
    marks = _head_marks(size)
    since = min(m.refreshed_at for m in marks.values() if m.refreshed_at is not None)
    times = []
    for _ in range(rounds):
        async with env.deps.warehouse.traced() as trace:
            began = time.perf_counter()
            async with env.deps.warehouse.session() as s:
                rows = await s.pending(dict(marks), BEHIND)
                await s.stream_shards(since)
            times.append((time.perf_counter() - began) * 1000)
    statements = list(trace.statements)
    read = await rows_read(env, statements)
    return {
        "view_rows": size,
        "rows_returned": len(rows),
        "poll_ms_median": round(statistics.median(times), 2),
        "rows_read": read["rows"],
        "blocks_read": read["blocks"],
    }


async def rows_read(env: ContractEnv, statements: Sequence[tuple[str, tuple[Any, ...]]]) -> dict:
    """Rows and blocks the poll's statements read from the view (EXPLAIN ANALYZE BUFFERS)."""
    rows = blocks = 0
    async with env.deps.warehouse.acquire() as conn:
        for sql, args in statements:
            plan = await conn.fetchval(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", *args)
            top = plan[0]["Plan"]
            blocks += int(top.get("Shared Hit Blocks", 0)) + int(top.get("Shared Read Blocks", 0))
            rows += _scanned(top)
    return {"rows": rows, "blocks": blocks}


def _scanned(node: dict[str, Any]) -> int:
    own = 0
    if node.get("Relation Name") == "tx_stream":
        loops = int(node.get("Actual Loops", 1))
        removed = node.get("Rows Removed by Filter", 0) + node.get(
            "Rows Removed by Index Recheck", 0
        )
        own = int(node.get("Actual Rows", 0)) * loops + int(removed) * loops
    return own + sum(_scanned(child) for child in node.get("Plans", []))


async def run_dialect(ctx: Context, implementation: str) -> dict[str, Any]:
    dialect = "redshift" if implementation.startswith("redshift") else "postgres"
    stack = (ctx.stack.settings, ctx.stack.info)
    env = await open_contract_env(stack, implementation, ("consumer",), shards=2)
    try:
        batch = await statements_per_batch(env)
    finally:
        await env.stack.aclose()
    env = await open_contract_env(stack, implementation, ("consumer",), shards=4)
    polls, filled = [], 0
    try:
        for size in QUICK_SIZES if ctx.quick else SIZES:
            await fill(env, dialect, filled, size)
            filled = size
            polls.append(await measure_poll(env, size, 3 if ctx.quick else 7))
    finally:
        await env.stack.aclose()
    small, big = polls[0], polls[-1]
    return {
        "statements": batch,
        "polls": polls,
        "poll_time_ratio": round(big["poll_ms_median"] / small["poll_ms_median"], 3),
        "rows_read_ratio": round(big["rows_read"] / max(1, small["rows_read"]), 3),
    }


async def run(ctx: Context) -> Result:
    figures = {name: await run_dialect(ctx, name) for name in ("postgres", "redshift-snapshot")}
    rs = figures["redshift-snapshot"]
    pg_statements = figures["postgres"]["statements"]["statements_per_batch"]
    sizes = QUICK_SIZES if ctx.quick else SIZES
    ratio = f"{sizes[-1]:,} over {sizes[0]:,} view rows"
    return Result(
        scenario="redshift",
        parameters={
            "view_rows": list(sizes),
            "shards": 4,
            "behind_per_shard": BEHIND,
            "batch_rows": BATCH,
        },
        figures={
            **figures,
            "poll_time_ratio": rs["poll_time_ratio"],
            "rows_read_ratio": rs["rows_read_ratio"],
        },
        targets=[
            Target(
                f"Redshift poll time, {ratio}",
                f"<= {TARGET_RATIO}",
                rs["poll_time_ratio"],
                rs["poll_time_ratio"] <= TARGET_RATIO,
                f"rows read ratio {rs['rows_read_ratio']}",
            ),
            Target(
                "Redshift statements per decided batch",
                "report",
                rs["statements"]["statements_per_batch"],
                None,
                f"PostgreSQL: {pg_statements}",
            ),
        ],
    )
