"""Redshift mode: what the serving feature query reads per batch as the history grows.

Redshift has no indexes; zone maps skip blocks only for constant predicates on the sort key
(``transactions`` is sorted by ``tx_time``). The serving query therefore bounds every scan of
``transactions`` by the batch's first and last ``tx_time`` and the feature look-back. Here the
Redshift serving SQL runs on PostgreSQL with Redshift's layout — no B-tree index, a BRIN index
on ``tx_time`` (PostgreSQL's nearest analogue of zone maps), hash joins as Redshift runs such
self-joins — once as it is and once without the constant bounds (the previous form, ``tx_id IN
(...)`` and join conditions only), for the same batch of the newest 500 transactions, on two
history sizes. Both forms must return the same features.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

from bench.common import Result, Target, isolated
from bench.context import Context
from fraudd.simulator.dataset import generate_history
from fraudd.warehouse import opened_warehouse
from fraudd.warehouse.features import feature_queries, serving_call
from tests.model.fixtures import TX_COLUMNS, label_rows, tx_rows

DAYS = (40, 160)
QUICK_DAYS = (40, 80)
BATCH = 500
TARGET_RATIO = 1.3
LAYOUT = """
CREATE TABLE {schema}.transactions (
    tx_id varchar(64) NOT NULL, tx_time timestamptz NOT NULL, customer_id varchar(64) NOT NULL,
    terminal_id varchar(64) NOT NULL, card_token varchar(64) NOT NULL, last4 char(4),
    amount numeric(14,2) NOT NULL, merchant_category varchar(4), channel varchar(16),
    currency char(3), terminal_x double precision, terminal_y double precision,
    source varchar(16) NOT NULL DEFAULT 'stream', produced_at timestamptz);
CREATE TABLE {schema}.labels (
    tx_id varchar(64) NOT NULL, is_fraud boolean NOT NULL, labelled_at timestamptz NOT NULL,
    fraud_scenario smallint, source varchar(16) NOT NULL DEFAULT 'history');
"""
ZONE_MAP = "CREATE INDEX ON {schema}.transactions USING brin (tx_time) WITH (pages_per_range = 8)"
UNBOUNDED = (
    ("/*first*/%s", "'-infinity'"),
    ("/*last*/%s", "'infinity'"),
    ("/*scan_from*/%s", "'-infinity'"),
    ("/*scan_to*/%s", "'infinity'"),
)


def _read(node: dict[str, Any]) -> int:
    """Rows the plan's scans of ``transactions`` read (returned plus filtered out)."""
    rows = 0
    if node.get("Relation Name") == "transactions":
        kept = int(node["Actual Rows"]) + int(node.get("Rows Removed by Filter", 0))
        rows += (kept + int(node.get("Rows Removed by Index Recheck", 0))) * int(
            node.get("Actual Loops", 1)
        )
    return rows + sum(_read(child) for child in node.get("Plans", []))


async def _plan(conn: Any, sql: str, args: list[Any]) -> dict[str, Any]:
    await conn.execute("SET enable_nestloop = off")  # hash joins, as Redshift runs them
    raw = await conn.fetchval("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, *args)
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]
    features = sorted(tuple(r) for r in await conn.fetch(sql, *args))
    return {
        "rows_read": _read(plan["Plan"]),
        "execution_ms": round(float(plan["Execution Time"]), 1),
        "features": features,
    }


async def measure(ctx: Context, days: int) -> dict[str, Any]:
    settings = isolated(ctx.stack, shards=1)
    schema = settings.warehouse.schema_name
    frame = generate_history(dt.date(2018, 1, 1), days, customers=1000, terminals=2000, seed=3)
    frame = frame.sort_values("tx_time")  # appended in time order, as the table is sorted
    long = settings.derive(warehouse={"statement_timeout_s": 600.0})
    async with opened_warehouse(long) as wh, wh.acquire() as conn:
        await conn.execute(f"CREATE SCHEMA {schema}")
        for statement in LAYOUT.format(schema=schema).split(";"):
            if statement.strip():
                await conn.execute(statement)
        await conn.copy_rows(f"{schema}.transactions", TX_COLUMNS, tx_rows(frame))
        labels = ("tx_id", "is_fraud", "labelled_at", "fraud_scenario")
        await conn.copy_rows(f"{schema}.labels", labels, label_rows(frame, spread=True))
        await conn.execute(ZONE_MAP.format(schema=schema))
        await conn.execute(f"ANALYZE {schema}.transactions")
        await conn.execute(f"ANALYZE {schema}.labels")
        batch = frame.tail(BATCH)
        first, last = (t.to_pydatetime() for t in (batch.tx_time.min(), batch.tx_time.max()))
        serving = feature_queries("redshift", schema).serving
        unbounded = serving
        for marker, value in UNBOUNDED:
            unbounded = unbounded.replace(marker, value)
        ids = batch["tx_id"].tolist()
        began = time.perf_counter()
        bounded = await _plan(conn, *serving_call(serving, ids, first, last))
        free = await _plan(conn, *serving_call(unbounded, ids, first, last))
        seconds = time.perf_counter() - began
        await conn.execute(f"DROP SCHEMA {schema} CASCADE")
    assert bounded.pop("features") == free.pop("features"), "the bounds changed a feature"
    return {"transactions": len(frame), "bounded": bounded, "unbounded": free, "s": seconds}


async def run(ctx: Context) -> Result:
    sizes = QUICK_DAYS if ctx.quick else DAYS
    by_days = {str(days): await measure(ctx, days) for days in sizes}
    small, large = (by_days[str(d)] for d in (sizes[0], sizes[-1]))
    ratio = round(large["bounded"]["rows_read"] / small["bounded"]["rows_read"], 3)
    free_ratio = round(large["unbounded"]["rows_read"] / small["unbounded"]["rows_read"], 3)
    return Result(
        scenario="redshift-features",
        parameters={"history_days": list(sizes), "batch_rows": BATCH, "customers": 1000},
        figures={**by_days, "rows_read_ratio": ratio, "unbounded_rows_read_ratio": free_ratio},
        targets=[
            Target(
                f"Redshift serving rows read, {sizes[-1]} over {sizes[0]} days of history",
                f"<= {TARGET_RATIO}",
                ratio,
                ratio <= TARGET_RATIO,
                f"without the constant tx_time bounds: {free_ratio}",
            )
        ],
    )
