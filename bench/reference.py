"""Side by side with the reference approach: one reference poll vs one fraudd poll of the same
new rows, on the same PostgreSQL data, for both history sizes.

The reference poll is :file:`reference_pattern.sql` (the public reference implementation's query
pattern, written by us; see its header). fraudd's poll is a whole consumer poll (read, validate,
store, features, score, commit) of a batch of new rows; the reference poll is given exactly that
batch as its stream (its most favourable case: without a watermark it would re-read every row
the stream ever held, which is measured separately as ``full_stream``).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

import psycopg

from bench.batches import run_polls
from bench.common import Result
from bench.context import HISTORIES, Context, LoadedHistory
from bench.stages import Appended
from fraudd.warehouse.psycopg_driver import conninfo

SQL = (Path(__file__).resolve().parent / "reference_pattern.sql").read_text()
BATCH = 1000
BATCH_STREAM = "pg_temp.reference_batch"
COPY_BATCH = """
CREATE TEMP TABLE reference_batch AS
SELECT * FROM {schema}.{view}
WHERE convert_from(kinesis_data, 'UTF8')::jsonb ->> 'tx_id' = ANY(%(ids)s)
"""


def reference_sql(schema: str, stream: str) -> str:
    """The reference pattern over ``stream`` in ``schema``."""
    return SQL.format(schema=schema, stream=stream)


async def _timed(conn: psycopg.AsyncConnection[Any], sql: str, params: dict[str, Any]) -> float:
    began = time.perf_counter()
    cur = await conn.execute(sql, params)
    await cur.fetchall()
    return time.perf_counter() - began


async def reference_polls(history: LoadedHistory, batches: list[Appended]) -> dict[str, Any]:
    """Time the reference poll over each batch, and once over the whole stream view."""
    wh = history.settings.warehouse
    schema, view = wh.schema_name, wh.streaming_view
    seconds = []
    async with await psycopg.AsyncConnection.connect(conninfo(wh), autocommit=True) as conn:
        await conn.execute("SET statement_timeout = 0")
        for batch in batches:  # the newest transaction's time stands in for the query time
            await conn.execute("DROP TABLE IF EXISTS pg_temp.reference_batch")
            await conn.execute(COPY_BATCH.format(schema=schema, view=view), {"ids": batch.tx_ids})
            sql = reference_sql(schema, BATCH_STREAM)
            seconds.append(await _timed(conn, sql, {"now": batch.last}))
        count = f"SELECT count(*) FROM {schema}.{view}"  # noqa: S608 (our own schema names)
        whole = await (await conn.execute(count)).fetchone()
        assert whole is not None
        now = batches[-1].last
        full = await _timed(conn, reference_sql(schema, f"{schema}.{view}"), {"now": now})
    return {
        "batch_poll_s": [round(s, 3) for s in seconds],
        "batch_poll_s_median": round(statistics.median(seconds), 3),
        "full_stream_rows": int(whole[0]),
        "full_stream_poll_s": round(full, 3),
    }


async def run(ctx: Context) -> Result:
    figures: dict[str, Any] = {}
    for name in HISTORIES:
        history = await ctx.history(name)
        polls = await run_polls(ctx, history, BATCH, 3)
        reference = await reference_polls(history, [p.batch for p in polls.polls])
        fraudd_s = polls.median("poll")
        features_s = polls.median("features")
        figures[name] = {
            "history_transactions": history.loaded.transactions,
            "fraudd_poll_s_median": round(fraudd_s, 3),
            "fraudd_features_s_median": round(features_s, 3),
            "reference": reference,
            "ratio_reference_over_fraudd_poll": round(
                reference["batch_poll_s_median"] / fraudd_s, 1
            ),
            "ratio_reference_over_fraudd_features": round(
                reference["batch_poll_s_median"] / features_s, 1
            ),
        }
    return Result(
        scenario="reference",
        parameters={
            "batch_rows": BATCH,
            "histories": list(HISTORIES),
            "reference_sql": "bench/reference_pattern.sql",
            "fraudd_poll": "whole consumer poll: read, validate, store, features, score, commit",
            "reference_poll": "feature query only (no model call, no writes)",
        },
        figures=figures,
    )
