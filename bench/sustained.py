"""Sustained load: live traffic at fixed rates through the whole loop with the trained model.

Each rate runs on a fresh stream (4 shards) and a fresh copy of the trained template, every role
in its own process (:mod:`bench.loop`). The sustained throughput is the highest rate whose
backlog stays bounded: produced at >= 97 % of the rate, decided as fast as produced (backlog
growth under 1 % of the rate) and no record older than 2 s undecided at the end of the window.
"""

from __future__ import annotations

from typing import Any

from bench.common import Result, Target
from bench.context import Context
from bench.loop import RunConfig, latency_sections, run_fixed_rate
from bench.template import Template

RATES = (500.0, 1000.0, 1500.0, 2000.0, 4000.0)
TARGET_TPS = 2000.0
LATENCY_RATE = 1000.0
TARGET_P50_MS = 300.0
TARGET_P99_MS = 1000.0


async def _runs(
    ctx: Context, template: Template, rates: tuple[float, ...], window: float
) -> list[dict[str, Any]]:
    """One live run per rate, each on a fresh stream and copy of the template."""
    runs: list[dict[str, Any]] = []
    for rate in rates:
        workdir = ctx.workdir / f"sustained-{int(rate)}"
        workdir.mkdir(parents=True, exist_ok=True)
        config = RunConfig(rate=rate, window_s=window, sections=latency_sections())
        figures = await run_fixed_rate(ctx.stack, template, config, workdir)
        figures.pop("logs", None)
        runs.append(figures)
    return runs


def _targets(sustained: float, runs: list[dict[str, Any]]) -> list[Target]:
    """Throughput, and the latency targets at LATENCY_RATE when that rate ran."""
    targets = [
        Target("sustained throughput, bounded lag", f">= {TARGET_TPS:,.0f} tx/s", sustained,
               sustained >= TARGET_TPS),
    ]  # fmt: skip
    at = next((r for r in runs if r["rate"] == LATENCY_RATE), None)
    if at is None:
        return targets
    p50, p99 = at["latency_ms"]["p50"], at["latency_ms"]["p99"]
    return [
        *targets,
        Target("end-to-end latency p50 at 1,000 tx/s", f"<= {TARGET_P50_MS:.0f} ms", p50,
               p50 is not None and p50 <= TARGET_P50_MS),
        Target("end-to-end latency p99 at 1,000 tx/s", f"<= {TARGET_P99_MS:.0f} ms", p99,
               p99 is not None and p99 <= TARGET_P99_MS),
    ]  # fmt: skip


async def run(ctx: Context, rates: tuple[float, ...] = RATES, window_s: float = 60.0) -> Result:
    template = await ctx.template()
    window = 20.0 if ctx.quick else window_s
    runs = await _runs(ctx, template, rates, window)
    bounded = [r["rate"] for r in runs if r["lag_bounded"]]
    sustained = max(bounded) if bounded else 0.0
    return Result(
        scenario="sustained",
        parameters={
            "rates": list(rates),
            "window_s": window,
            "warmup_s": RunConfig(rate=0).warmup_s,
            "shards": RunConfig(rate=0).shards,
            "processes": "one per role: fraudd run --roles ingest|consumer|actions, "
            "python -m bench.produce (the producer task with the simulator's live mode)",
            "settings": latency_sections(),
            "template": template.describe(),
        },
        figures={"sustained_tx_per_s": sustained, "runs": runs},
        targets=_targets(sustained, runs),
    )
