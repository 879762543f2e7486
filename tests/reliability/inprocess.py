"""The whole loop in this process (``run_tasks``, the daemon's own task set and HTTP endpoint)
with a fault script running beside it; ``/readyz`` is sampled over real HTTP all along."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from fraudd.deps import Deps, open_deps
from fraudd.localstack import StackInfo
from fraudd.metrics import Metrics, create_metrics
from fraudd.service.daemon import run_tasks
from fraudd.tasks import producer
from tests.conftest import free_ports
from tests.e2e.harness import Env, close_env, make_env
from tests.reliability.driver import (
    Production,
    production,
    settled,
    until,
)
from tests.reliability.faults import Stopwatch
from tests.reliability.ledger import Tally, tally
from tests.reliability.scale import Scale

READY_PROBE_S = 0.2


@dataclass
class Readiness:
    """(epoch, HTTP status) samples of ``/readyz`` (and of ``/healthz`` in ``live``); status 0
    means no answer."""

    samples: list[tuple[float, int]] = field(default_factory=list)
    live: list[tuple[float, int]] = field(default_factory=list)

    def not_live_within(self, start: float, end: float) -> int:
        """How many /healthz answers between ``start`` and ``end`` were not 200."""
        return sum(1 for t, s in self.live if start <= t <= end and s != 200)

    def not_ready_after(self, start: float, end: float) -> float | None:
        """Seconds from ``start`` to the first not-ready answer before ``end`` (None: none)."""
        down = [t for t, s in self.samples if start <= t <= end and s != 200]
        return round(down[0] - start, 2) if down else None

    def ready_after(self, at: float) -> float | None:
        """Seconds from ``at`` until /readyz answered 200 and stayed so for the next sample."""
        later = [(t, s) for t, s in self.samples if t >= at]
        for (t, s), (_, nxt) in itertools.pairwise(later):
            if s == 200 and nxt == 200:
                return round(t - at, 2)
        return None


@dataclass
class Run:
    """What a fault script gets to work with."""

    env: Env
    info: StackInfo
    deps: Deps
    prod: Production
    scale: Scale
    metrics: Metrics
    watch: Stopwatch = field(default_factory=Stopwatch)
    readiness: Readiness = field(default_factory=Readiness)
    notes: dict[str, Any] = field(default_factory=dict)
    extra_records: int = 0  # records the script wrote into the stream itself
    metrics_text: str = ""  # /metrics as scraped once everything had settled

    async def wait_produced(self, share: float) -> None:
        """Until ``share`` of the records were taken by the producer."""
        target = share * (self.prod.state.limit or 0)
        await until(lambda: _ready(self.prod.state.taken >= target), 600, 0.05)


async def _ready(value: bool) -> bool:
    return value


def _last(run: Run) -> float:
    """When the fault was cleared (or, without a fault, when the run settled)."""
    return run.watch.marks.get("up", run.watch.marks["settled"])


Script = Callable[[Run], Awaitable[None]]


async def _scrape(port: int, path: str) -> str:
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session,
        session.get(f"http://127.0.0.1:{port}{path}") as resp,
    ):
        return await resp.text()


async def _probe(port: int, stop: asyncio.Event, readiness: Readiness) -> None:
    timeout = aiohttp.ClientTimeout(total=1.0)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        while not stop.is_set():
            for path, samples in (("/readyz", readiness.samples), ("/healthz", readiness.live)):
                try:
                    async with session.get(f"http://127.0.0.1:{port}{path}") as resp:
                        status = resp.status
                except (aiohttp.ClientError, TimeoutError):
                    status = 0
                samples.append((time.time(), status))
            await asyncio.sleep(READY_PROBE_S)


async def run_scenario(
    stack: tuple[Any, StackInfo],
    scale: Scale,
    name: str,
    script: Script,
    records: int,
    settle_timeout_s: float = 180.0,
    figures: Callable[[Tally, Run], Awaitable[None]] | None = None,
    busy_s: float | None = None,
    fraud_share: float | None = None,
    **sections: dict[str, Any],
) -> Tally:
    """Produce ``records`` through the loop while ``script`` injects its fault; then tally
    (``figures`` adds scenario-specific measurements before the environment is closed)."""
    began = time.monotonic()
    sections.setdefault("http", {"port": free_ports(1)[0]})
    env = await make_env(stack, shards=2, **sections)
    metrics = create_metrics()
    stop, producer_stop = asyncio.Event(), asyncio.Event()
    async with AsyncExitStack() as st:
        roles = ("producer", "ingest", "consumer", "actions")
        deps = await open_deps(env.settings, st, roles, metrics)  # type: ignore[arg-type]
        # With ``busy_s``, production is spread over that long so the fault hits a running loop.
        rate = records / busy_s if busy_s else scale.rate_tps
        prod = production(env, records, rate, fraud_share or scale.fraud_share)
        run = Run(env, stack[1], deps, prod, scale, metrics)

        async def produce(d: Deps, _s: asyncio.Event) -> None:
            await producer.run(d, producer_stop, prod.state)

        async def steer(_d: Deps, s: asyncio.Event) -> None:
            try:
                await script(run)
                done = await until(lambda: settled(env, prod, run.extra_records), settle_timeout_s)
                run.notes["settled"] = done
                run.watch.mark("settled")
                await until(lambda: _ready(run.readiness.ready_after(_last(run)) is not None), 15)
                run.metrics_text = await _scrape(env.settings.http.port, "/metrics")
            finally:
                producer_stop.set()
                s.set()

        async def probe(_d: Deps, s: asyncio.Event) -> None:
            await _probe(env.settings.http.port, s, run.readiness)

        extra = {"producer": produce, "steer": steer, "probe": probe}
        await run_tasks(deps, stop, ("ingest", "consumer", "actions"), extra)
    t = await tally(env, name, prod.sent)
    _producer_books(t, run)
    t.details.update(run.notes)
    if figures is not None:
        await figures(t, run)
    await close_env(env)
    t.seconds = round(time.monotonic() - began, 1)
    return t


def _producer_books(t: Tally, run: Run) -> None:
    """Every swipe the producer took was either accepted by Kinesis or declined at the till."""
    declined = sum(
        run.metrics.registry.get_sample_value("fraudd_swipes_declined_total", {"fraud": f}) or 0
        for f in ("true", "false", "unknown")
    )
    dropped = (
        run.prod.state.taken - len(run.prod.sent) - int(declined) - len(run.prod.state.pending)
    )
    t.details["producer_dropped"] = dropped
    t.lost += max(0, dropped)
