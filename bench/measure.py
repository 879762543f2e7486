"""Figures of a live run, from the producer's summary and the decisions table.

Every decision row carries ``produced_at`` (stamped by the producer before PutRecords) and
``decided_at`` (the consumer's insert, inside the committing transaction), both wall clock on
this machine: latency is their difference, and the backlog at any second ``t`` is what Kinesis
had accepted before ``t`` minus what had been decided before ``t``.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fraudd.settings import Settings
from fraudd.warehouse import connect

if TYPE_CHECKING:
    from bench.loop import RunConfig

FRAUDD_TASKS = ("producer", "ingest", "consumer", "actions")
LAG_BOUND_S = 2.0
"""A backlog older than this at the end of the window, or growing, is not sustained."""
GROWTH_BOUND = 0.01
"""Backlog growth (records/s) above this share of the rate is not sustained."""

DECIDED_PER_SECOND = """
SELECT floor(extract(epoch FROM decided_at))::bigint AS s, count(*)
FROM {schema}.decisions GROUP BY 1 ORDER BY 1
"""
LATENCY = """
SELECT count(*),
       percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (
           ORDER BY extract(epoch FROM decided_at - produced_at) * 1000),
       max(extract(epoch FROM decided_at - produced_at) * 1000)
FROM {schema}.decisions
WHERE produced_at >= to_timestamp(%s) AND produced_at < to_timestamp(%s)
"""
OLDEST_UNDECIDED_AT = """
SELECT extract(epoch FROM to_timestamp(%s) - min(produced_at))
FROM {schema}.decisions WHERE produced_at < to_timestamp(%s) AND decided_at >= to_timestamp(%s)
"""
COUNT_DECIDED = "SELECT count(*) FROM {schema}.decisions"
STAGE_LATENCY = """
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM
           s.approximate_arrival_timestamp - d.produced_at) * 1000) AS producer_to_kinesis,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM
           s.refresh_time - s.approximate_arrival_timestamp) * 1000) AS kinesis_to_view,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM
           d.decided_at - s.refresh_time) * 1000) AS view_to_decision
FROM {schema}.decisions d
JOIN {schema}.{view} s ON s.shard_id = d.shard_id AND s.sequence_number = d.sequence_number
WHERE d.produced_at >= to_timestamp(%s) AND d.produced_at < to_timestamp(%s)
"""
DECISIONS = """
SELECT decision, count(*) FROM {schema}.decisions
WHERE produced_at >= to_timestamp(%s) AND produced_at < to_timestamp(%s) GROUP BY decision
"""
STAGE_NAMES = ("producer_to_kinesis", "kinesis_to_view", "view_to_decision")


def sent_per_second(summary: Path) -> dict[int, int]:
    """Records Kinesis accepted in each wall-clock second (the producer's summary)."""
    return {int(s): int(n) for s, n in json.loads(summary.read_text())["sent_per_second"]}


def taken_in(summary: Path, t0: int, t1: int) -> int:
    """Swipes the card application made in [t0, t1) (sent, or declined for a blocked card)."""
    taken = {int(s): int(n) for s, n in json.loads(summary.read_text())["taken_at"]}
    before = [n for s, n in sorted(taken.items()) if s <= t0]
    until = [n for s, n in sorted(taken.items()) if s <= t1]
    return (until[-1] if until else 0) - (before[-1] if before else 0)


def sent_total(summary: Path) -> int:
    return sum(sent_per_second(summary).values())


async def drain(settings: Settings, summary: Path, timeout_s: float) -> bool:
    """Wait until every record Kinesis accepted is decided; False on timeout."""
    sent = sent_total(summary)
    wh = await connect(settings.warehouse)
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            async with wh.acquire() as conn:
                decided = await conn.fetchval(_sql(settings, COUNT_DECIDED))
            if int(decided) >= sent:
                return True
            await asyncio.sleep(0.5)
        return False
    finally:
        await wh.close()


def _sql(settings: Settings, text: str) -> str:
    wh = settings.warehouse
    return text.format(schema=wh.schema_name, view=wh.streaming_view)


def _slope(values: list[float]) -> float:
    """Least-squares slope per step."""
    n = len(values)
    if n < 2:
        return 0.0
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    num = sum((i - mean_x) * (v - mean_y) for i, v in enumerate(values))
    den = sum((i - mean_x) ** 2 for i in range(n))
    return num / den


def backlog_series(sent: dict[int, int], decided: dict[int, int], t0: int, t1: int) -> list[int]:
    """Records accepted by Kinesis but not yet decided, at each whole second of [t0, t1]."""
    out = []
    for t in range(t0, t1 + 1):
        accepted = sum(n for s, n in sent.items() if s < t)
        done = sum(n for s, n in decided.items() if s < t)
        out.append(accepted - done)
    return out


async def figures(
    settings: Settings,
    config: RunConfig,
    summary: Path,
    window: tuple[float, float],
    cpu: dict[str, float],
    rss: dict[str, float | None],
    drained: bool,
) -> dict[str, Any]:
    """Rates, latency, backlog and cost of one run's measurement window."""
    t0, t1 = round(window[0]), round(window[1])
    seconds = t1 - t0
    sent = sent_per_second(summary)
    wh = await connect(settings.warehouse)
    try:
        async with wh.acquire() as conn:
            decided = {int(r[0]): int(r[1]) for r in await conn.fetch(
                _sql(settings, DECIDED_PER_SECOND))}
            latency = await conn.fetchrow(_sql(settings, LATENCY), t0, t1)
            oldest = await conn.fetchval(_sql(settings, OLDEST_UNDECIDED_AT), t1, t1, t1)
            stages = await conn.fetchrow(_sql(settings, STAGE_LATENCY), t0, t1)
            outcomes = {str(r[0]): int(r[1]) for r in await conn.fetch(
                _sql(settings, DECISIONS), t0, t1)}
    finally:
        await wh.close()
    assert latency is not None
    count, pcts, worst = latency
    produced = sum(n for s, n in sent.items() if t0 <= s < t1)
    taken = taken_in(summary, t0, t1)
    decided_n = sum(n for s, n in decided.items() if t0 <= s < t1)
    backlog = backlog_series(sent, decided, t0, t1)
    growth = _slope([float(b) for b in backlog])
    lag_s = float(oldest or 0.0)
    produced_rate = produced / seconds
    taken_rate = taken / seconds
    bounded = (
        drained
        and lag_s <= LAG_BOUND_S
        and growth <= GROWTH_BOUND * config.rate
        and taken_rate >= 0.97 * config.rate
    )
    fraudd_cpu = {k: v for k, v in cpu.items() if k in FRAUDD_TASKS}
    machine = cpu.pop("machine", 0.0)
    others = round(machine - sum(cpu.values()), 2)
    return {
        "rate": config.rate,
        "window_s": seconds,
        "swipes_per_s": round(taken_rate, 1),
        "produced_per_s": round(produced_rate, 1),
        "decided_per_s": round(decided_n / seconds, 1),
        "latency_ms": {
            "decisions": int(count),
            "p50": _round(pcts, 0), "p95": _round(pcts, 1), "p99": _round(pcts, 2),
            "max": round(float(worst), 1) if worst is not None else None,
        },
        "decisions_by_outcome": outcomes,
        "latency_p50_ms_by_stage": {
            name: round(float(v), 1) if v is not None else None
            for name, v in zip(STAGE_NAMES, stages or (None,) * 3, strict=True)
        },
        "lag_end": {"records": backlog[-1], "seconds": round(lag_s, 3)},
        "backlog_growth_per_s": round(growth, 2),
        "backlog_every_10s": backlog[::10],
        "drained": drained,
        "lag_bounded": bounded,
        "cpu_s": cpu,
        "cpu_s_other_processes": others,
        "machine_cpu_busy_share": round(machine / (seconds * (os.cpu_count() or 1)), 3),
        "cpu_us_per_decided": {
            k: round(v * 1e6 / decided_n, 1) if decided_n else None for k, v in cpu.items()
        },
        "fraudd_cpu_us_per_decided": _per(sum(fraudd_cpu.values()), decided_n),
        "daemon_cpu_us_per_decided": _per(
            cpu.get("consumer", 0) + cpu.get("actions", 0), decided_n
        ),
        "peak_rss_mib": rss,
    }


def _per(cpu_s: float, decided: int) -> float | None:
    return round(cpu_s * 1e6 / decided, 1) if decided else None


def _round(values: Any, i: int) -> float | None:
    return round(float(values[i]), 1) if values else None
