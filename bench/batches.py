"""Consumer polls of fixed-size batches of new rows on a loaded history, measured in detail.

Each poll: ``batch`` new wire records continuing the history are appended to the stream view,
then one consumer poll decides them (stages timed, CPU of this process and of PostgreSQL read
around it). ``explain`` runs the serving feature query of a batch under
``EXPLAIN (ANALYZE, BUFFERS)`` and sums what the plan's scans read.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

from bench.context import Context, LoadedHistory
from bench.procs import tree_cpu_seconds
from bench.stages import Appended, StageTimes, consumer_deps, consumer_engine, timed_poll
from fraudd.features import feature_queries
from fraudd.tasks import consumer
from fraudd.warehouse import Pool, opened_warehouse
from fraudd.warehouse.features import serving_call

WARMUP_POLLS = 2


@dataclass
class Poll:
    batch: Appended
    seconds: float
    stages: dict[str, float]
    stage_cpu: dict[str, float]
    cpu_s: float
    postgres_cpu_s: float


@dataclass
class Polls:
    history: str
    batch: int
    polls: list[Poll] = field(default_factory=list)

    def median(self, key: str) -> float:
        values = [p.seconds if key == "poll" else p.stages.get(key, 0.0) for p in self.polls]
        return statistics.median(values)

    def summary(self) -> dict[str, Any]:
        """Medians per poll (ms) and mean CPU per decided row (µs)."""
        stages = sorted({k for p in self.polls for k in p.stages})
        n = len(self.polls) * self.batch
        return {
            "polls": len(self.polls),
            "batch_rows": self.batch,
            "poll_ms_median": round(self.median("poll") * 1000, 1),
            "stage_ms_median": {s: round(self.median(s) * 1000, 1) for s in stages},
            "consumer_cpu_us_per_row": round(sum(p.cpu_s for p in self.polls) * 1e6 / n, 1),
            "consumer_cpu_us_per_row_by_stage": {
                s: round(sum(p.stage_cpu.get(s, 0.0) for p in self.polls) * 1e6 / n, 1)
                for s in stages
            },
            "postgres_cpu_us_per_row": round(
                sum(p.postgres_cpu_s for p in self.polls) * 1e6 / n, 1
            ),
        }


async def run_polls(ctx: Context, history: LoadedHistory, batch: int, count: int) -> Polls:
    """``count`` measured polls of ``batch`` new rows each (after WARMUP_POLLS unmeasured)."""
    settings = history.settings.derive(consumer={"batch_rows": 4 * batch})
    postgres = ctx.stack.pids()["postgres"]
    out = Polls(history.name, batch)
    async with opened_warehouse(settings) as wh:
        deps = consumer_deps(settings, wh)
        engine, state = consumer_engine(deps), consumer.ConsumerState()
        for i in range(WARMUP_POLLS + count):
            appended = await history.filler.append(wh, batch)
            times = StageTimes()
            cpu, pg = time.process_time(), tree_cpu_seconds(postgres)
            seconds = await timed_poll(deps, state, engine, times)
            cpu, pg = time.process_time() - cpu, tree_cpu_seconds(postgres) - pg
            if i >= WARMUP_POLLS:
                out.polls.append(
                    Poll(appended, seconds, dict(times.seconds), dict(times.cpu), cpu, pg)
                )
    return out


def _scans(node: dict[str, Any]) -> list[dict[str, Any]]:
    found = [node] if "Relation Name" in node else []
    for child in node.get("Plans", []):
        found += _scans(child)
    return found


async def explain(wh: Pool, schema: str, batch: Appended) -> dict[str, Any]:
    """Rows and buffers the serving feature query reads for ``batch`` (EXPLAIN ANALYZE)."""
    queries = feature_queries("postgres", schema)
    tx_ids = batch.tx_ids
    async with wh.acquire() as conn:
        sql, params = serving_call(queries.serving, tx_ids, batch.first, batch.last)
        raw = await conn.fetchval("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, *params)
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]
    top = plan["Plan"]
    by_relation: dict[str, int] = {}
    for scan in _scans(top):
        rows = int(scan["Actual Rows"]) * int(scan["Actual Loops"])
        name = f"{scan['Relation Name']} ({scan.get('Index Name', scan['Node Type'])})"
        by_relation[name] = by_relation.get(name, 0) + rows
    buffers = int(top.get("Shared Hit Blocks", 0)) + int(top.get("Shared Read Blocks", 0))
    n = len(tx_ids)
    return {
        "batch_rows": n,
        "execution_ms": round(float(plan["Execution Time"]), 1),
        "rows_read": sum(by_relation.values()),
        "rows_read_per_tx": round(sum(by_relation.values()) / n, 1),
        "rows_read_by_scan": by_relation,
        "shared_buffers": buffers,
        "shared_buffers_per_tx": round(buffers / n, 1),
        "shared_buffers_read_from_disk": int(top.get("Shared Read Blocks", 0)),
    }
