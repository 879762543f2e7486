"""Simulated labelled histories for the benchmarks, loaded as ``fraudd simulate history`` does."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from fraudd.history.synthetic import simulate_into_warehouse
from fraudd.settings import Settings
from fraudd.simulator.timeline import SimulationSpec
from fraudd.warehouse import opened_warehouse


@dataclass(frozen=True)
class HistorySpec:
    """A simulated history: who, how long, and from which day."""

    customers: int
    terminals: int
    days: int
    seed: int = 42
    origin: dt.date | None = None

    def start(self) -> dt.date:
        """Day 0. By default the history ends ``days + 90`` days ago, so that live traffic
        continuing it (a simulated day per ~second at high rates) stays in the past."""
        if self.origin is not None:
            return self.origin
        return dt.datetime.now(dt.UTC).date() - dt.timedelta(days=self.days + 90)

    def simulation(self) -> SimulationSpec:
        """The timeline this history is the beginning of (for live traffic continuing it)."""
        return SimulationSpec(self.start(), self.seed, self.customers, self.terminals)

    def end(self) -> dt.datetime:
        """First instant after the history."""
        return self.simulation().day_start(self.days)


@dataclass(frozen=True)
class Loaded:
    """What a load produced and how long it took."""

    transactions: int
    frauds: int
    generate_s: float
    load_s: float


async def load_history(settings: Settings, spec: HistorySpec) -> Loaded:
    """Generate ``spec`` and load it with fraudd's own bulk loader (``fraudd simulate history``),
    which also records the simulation so the producer's live mode continues it.

    A VACUUM follows: it sets the visibility map that lets the serving feature query read
    indexes only (autovacuum would do the same within a minute or so of a large load).
    """
    async with opened_warehouse(settings.derive(warehouse={"statement_timeout_s": 3600.0})) as wh:
        summary = await simulate_into_warehouse(wh, settings, spec.simulation(), spec.days)
        began = time.perf_counter()
        async with wh.session() as session:
            await session.vacuum_analyze(("transactions", "labels"))
    return Loaded(
        transactions=summary.transactions,
        frauds=summary.frauds,
        generate_s=summary.seconds["generate"],
        load_s=round(summary.seconds["load"] + time.perf_counter() - began, 2),
    )
