"""Figures of a live run, from the producer's summary and the product's run figures.

Every decision row carries ``produced_at`` (stamped by the producer before PutRecords) and
``decided_at`` (the consumer's insert, inside the committing transaction), both wall clock on
this machine: latency is their difference, and the backlog at any second ``t`` is what Kinesis
had accepted before ``t`` minus what had been decided before ``t``. What the warehouse knows
comes from the run figures the demo reports too (:mod:`fraudd.warehouse.figures`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fraudd.settings import Settings
from fraudd.warehouse import opened_warehouse
from fraudd.warehouse.figures import RunLatency, as_dict

if TYPE_CHECKING:
    from bench.loop import RunConfig

FRAUDD_TASKS = ("producer", "ingest", "consumer", "actions")
LAG_BOUND_S = 2.0
"""A backlog older than this at the end of the window, or growing, is not sustained."""
GROWTH_BOUND = 0.01
"""Backlog growth (records/s) above this share of the rate is not sustained."""


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


def _at(epoch_s: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch_s, dt.UTC)


RUN_START_MARGIN_S = 60
"""``produced_at`` precedes Kinesis accepting the record by the PutRecords round trip (and its
retries): the run figures start this long before the first accepted second. The schema is the
run's own, so nothing earlier is in it."""


def run_start(sent: dict[int, int]) -> dt.datetime:
    """The run's start for the run figures: before anything the run produced."""
    return _at(min(sent, default=0) - RUN_START_MARGIN_S)


async def drain(settings: Settings, summary: Path, timeout_s: float) -> bool:
    """Wait until every record Kinesis accepted is decided; False on timeout."""
    sent = sent_per_second(summary)
    deadline = time.monotonic() + timeout_s
    async with opened_warehouse(settings) as wh:
        while time.monotonic() < deadline:
            async with wh.session() as session:
                counts = await session.run_counts(run_start(sent))
            if counts.decided >= sum(sent.values()):
                return True
            await asyncio.sleep(0.5)
        return False


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


@dataclass(frozen=True)
class Window:
    """A measurement window of whole wall-clock seconds ``[t0, t1)``."""

    t0: int
    t1: int

    @property
    def seconds(self) -> int:
        return self.t1 - self.t0

    def count(self, per_second: dict[int, int]) -> int:
        return sum(n for s, n in per_second.items() if self.t0 <= s < self.t1)


@dataclass(frozen=True)
class Decided:
    """What the warehouse says about a window: the product's run figures."""

    per_second: dict[int, int]
    latency: RunLatency
    outcomes: dict[str, int]
    stages: dict[str, float | None]
    lag_s: float


async def decided_figures(settings: Settings, since: dt.datetime, w: Window) -> Decided:
    """The run figures of the window, read through one warehouse session."""
    t0, t1 = _at(w.t0), _at(w.t1)
    async with opened_warehouse(settings) as wh, wh.session() as s:
        per_second = await s.decided_per_second(since)
        latency = await s.run_latency(t0, t1)
        outcomes = await s.run_outcomes(t0, t1)
        stages = await s.stage_latency_p50(t0, t1)
        oldest = await s.oldest_undecided(t1)
    lag_s = (t1 - oldest).total_seconds() if oldest is not None else 0.0
    return Decided(per_second, latency, outcomes, stages, lag_s)


def rates(w: Window, taken: float, sent: dict[int, int], decided: Decided) -> dict[str, Any]:
    """Swipes taken, records produced and decided per second, and the window's latency."""
    return {
        "window_s": w.seconds,
        "swipes_per_s": round(taken, 1),
        "produced_per_s": round(w.count(sent) / w.seconds, 1),
        "decided_per_s": round(w.count(decided.per_second) / w.seconds, 1),
        "latency_ms": {"decisions": sum(decided.outcomes.values()), **as_dict(decided.latency)},
        "decisions_by_outcome": decided.outcomes,
        "latency_p50_ms_by_stage": decided.stages,
    }


def backlog(
    w: Window, sent: dict[int, int], decided: Decided, drained: bool, rate: float, taken: float
) -> dict[str, Any]:
    """The backlog through the window and whether it stayed bounded (see the bounds above)."""
    series = backlog_series(sent, decided.per_second, w.t0, w.t1)
    growth = _slope([float(b) for b in series])
    bounded = (
        drained
        and decided.lag_s <= LAG_BOUND_S
        and growth <= GROWTH_BOUND * rate
        and taken >= 0.97 * rate
    )
    return {
        "lag_end": {"records": series[-1], "seconds": round(decided.lag_s, 3)},
        "backlog_growth_per_s": round(growth, 2),
        "backlog_every_10s": series[::10],
        "drained": drained,
        "lag_bounded": bounded,
    }


def cost(w: Window, cpu: dict[str, float], decided_n: int) -> dict[str, Any]:
    """CPU seconds of each process in the window, and per decided transaction."""
    cpu = dict(cpu)
    machine = cpu.pop("machine", 0.0)
    fraudd_cpu = sum(v for k, v in cpu.items() if k in FRAUDD_TASKS)
    return {
        "cpu_s": cpu,
        "cpu_s_other_processes": round(machine - sum(cpu.values()), 2),
        "machine_cpu_busy_share": round(machine / (w.seconds * (os.cpu_count() or 1)), 3),
        "cpu_us_per_decided": {k: _per(v, decided_n) for k, v in cpu.items()},
        "fraudd_cpu_us_per_decided": _per(fraudd_cpu, decided_n),
        "daemon_cpu_us_per_decided": _per(
            cpu.get("consumer", 0) + cpu.get("actions", 0), decided_n
        ),
    }


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
    w = Window(round(window[0]), round(window[1]))
    sent = sent_per_second(summary)
    decided = await decided_figures(settings, run_start(sent), w)
    taken = taken_in(summary, w.t0, w.t1) / w.seconds
    return {
        "rate": config.rate,
        **rates(w, taken, sent, decided),
        **backlog(w, sent, decided, drained, config.rate, taken),
        **cost(w, cpu, w.count(decided.per_second)),
        "peak_rss_mib": rss,
    }


def _per(cpu_s: float, decided: int) -> float | None:
    return round(cpu_s * 1e6 / decided, 1) if decided else None
