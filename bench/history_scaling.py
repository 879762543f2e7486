"""Scaling with history: one consumer poll of 1,000 new rows on 100 k and on 1.75 M rows.

Both histories have the same per-customer and per-terminal rates and full windows (see
:data:`bench.context.HISTORIES`), so a transaction's windows hold the same number of rows: what
differs is only how much history lies outside them. A poll whose cost grew with the history
would show it here — in time, and (not subject to machine noise) in rows and buffers read.
"""

from __future__ import annotations

from typing import Any

from bench.batches import Polls, explain, run_polls
from bench.common import Result, Target
from bench.context import HISTORIES, Context
from fraudd.warehouse import opened_warehouse

BATCH = 1000
TARGET_RATIO = 1.3


async def measure(ctx: Context, name: str) -> tuple[Polls, dict[str, Any], dict[str, Any]]:
    """Polls and the EXPLAIN of the last batch on history ``name``; plus the history's size."""
    history = await ctx.history(name)
    polls = await run_polls(ctx, history, BATCH, 3 if ctx.quick else 7)
    async with opened_warehouse(history.settings) as wh:
        plan = await explain(wh, history.settings.warehouse.schema_name, polls.polls[-1].batch)
    size = {
        "transactions": history.loaded.transactions,
        "customers": history.spec.customers,
        "terminals": history.spec.terminals,
        "days": history.spec.days,
        "load_s": history.loaded.load_s,
    }
    return polls, plan, size


def _ratio(big: float, small: float) -> float | None:
    return round(big / small, 3) if small else None


async def run(ctx: Context) -> Result:
    figures: dict[str, Any] = {}
    for name in HISTORIES:
        polls, plan, size = await measure(ctx, name)
        figures[name] = {"history": size, "poll": polls.summary(), "features_explain": plan}
    small, big = figures["100k"], figures["1.75M"]
    ratios = {
        "poll_time": _ratio(big["poll"]["poll_ms_median"], small["poll"]["poll_ms_median"]),
        "features_time": _ratio(
            big["poll"]["stage_ms_median"]["features"], small["poll"]["stage_ms_median"]["features"]
        ),
        "rows_read": _ratio(
            big["features_explain"]["rows_read"], small["features_explain"]["rows_read"]
        ),
        "buffers": _ratio(
            big["features_explain"]["shared_buffers"], small["features_explain"]["shared_buffers"]
        ),
        "postgres_cpu": _ratio(
            big["poll"]["postgres_cpu_us_per_row"], small["poll"]["postgres_cpu_us_per_row"]
        ),
    }
    figures["ratio_1.75M_over_100k"] = ratios
    poll_ratio = ratios["poll_time"] or 0.0
    return Result(
        scenario="history-scaling",
        parameters={"batch_rows": BATCH, "histories": list(HISTORIES), "shards": 4},
        figures=figures,
        targets=[
            Target(
                "consumer poll time, 1.75 M vs 100 k history", f"<= {TARGET_RATIO}",
                poll_ratio, poll_ratio <= TARGET_RATIO,
                f"rows read ratio {ratios['rows_read']}, buffers ratio {ratios['buffers']}",
            )
        ],
    )
