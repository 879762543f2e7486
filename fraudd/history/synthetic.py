"""``fraudd simulate history``: generate a labelled history and bulk-load it into the warehouse.

The simulator's output is trusted (no row validation); it goes through the same staging path as
an import, so loading the same history twice is a no-op (every row ``already_loaded``). The
simulation's parameters are recorded in ``simulations`` in the load's transaction.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd
import structlog

from fraudd.history.columns import NORMAL_COLUMNS, label_delays
from fraudd.history.csvtext import csv_text
from fraudd.history.loader import ProgressFn, threaded
from fraudd.history.timelines import StoredSimulation, check_seed_is_free
from fraudd.settings import Settings
from fraudd.simulator import SimulationSpec, Timeline
from fraudd.warehouse import LoadResult, Warehouse

log = structlog.get_logger(__name__)
CHUNK_ROWS: Final[int] = 100_000


@dataclass
class SimulateSummary:
    """What ``simulate history`` generated and loaded."""

    origin: dt.date
    days: int
    seed: int
    customers: int
    terminals: int
    transactions: int
    frauds: int
    fraud: str = "handbook"
    """The simulator's fraud mode (``SimulationSpec.fraud``)."""
    load: LoadResult | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        out: dict[str, Any] = {
            "origin": self.origin.isoformat(),
            "end": (self.origin + dt.timedelta(days=self.days)).isoformat(),
            "days": self.days,
            "seed": self.seed,
            "customers": self.customers,
            "terminals": self.terminals,
            "transactions": self.transactions,
            "frauds": self.frauds,
            "fraud": self.fraud,
            "seconds": self.seconds,
        }
        if self.load is not None:
            out |= {
                "loaded": self.load.loaded,
                "labels": self.load.labels,
                "already_loaded": self.load.rejected.get("already_loaded", 0),
                "indexes_rebuilt": self.load.indexes_rebuilt,
                "load_seconds": self.load.seconds,
            }
        return out


def from_simulation(frame: pd.DataFrame, first_line: int, max_delay_days: float) -> pd.DataFrame:
    """Simulator rows (:mod:`fraudd.simulator.frame`) as normalised history rows."""
    out = pd.DataFrame(
        {
            "line": np.arange(first_line, first_line + len(frame), dtype=np.int64),
            "is_fraud": frame["is_fraud"].to_numpy() > 0,
            "labelled_at": frame["tx_time"] + label_delays(frame["tx_id"], max_delay_days),
        },
        index=frame.index,
    )
    for name in NORMAL_COLUMNS:
        if name not in out:
            out[name] = frame[name]
    return out.loc[:, list(NORMAL_COLUMNS)]


def generate(spec: SimulationSpec, days: int) -> pd.DataFrame:
    """Days ``[0, days)`` of ``spec``'s timeline (blocking: call it on a thread)."""
    return Timeline(spec).days(0, days)


def _chunks(
    frame: pd.DataFrame, max_delay_days: float, progress: ProgressFn | None
) -> Iterator[str]:
    for start in range(0, len(frame), CHUNK_ROWS):
        part = frame.iloc[start : start + CHUNK_ROWS]
        yield csv_text(from_simulation(part, start + 1, max_delay_days), NORMAL_COLUMNS)
        if progress is not None:
            progress("load", start + len(part), len(frame))


async def simulate_into_warehouse(
    wh: Warehouse,
    settings: Settings,
    spec: SimulationSpec,
    days: int,
    *,
    progress: ProgressFn | None = None,
) -> SimulateSummary:
    """Generate ``days`` days of ``spec`` and load transactions, labels and the spec.

    Raises :class:`~fraudd.history.timelines.SimulationConflict` (the seed already names
    another timeline) or :class:`~fraudd.warehouse.StagingConfigError` (no bulk path
    configured) before generating anything.
    """
    max_delay = settings.producer.label_delay_days
    async with wh.session() as session, session.history_load(check_duplicates=False) as loader:
        await check_seed_is_free(session, spec)
        began = time.perf_counter()
        frame = await asyncio.to_thread(generate, spec, days)
        summary = _summary(spec, days, frame)
        summary.seconds["generate"] = round(time.perf_counter() - began, 3)
        stored = StoredSimulation(spec, days, summary.transactions, summary.frauds)
        began = time.perf_counter()
        await loader.stage(threaded(_chunks(frame, max_delay, progress)))
        if progress is not None:
            progress("index", 0, None)
        summary.load = await loader.finish(stored.record(max_delay))
        summary.seconds["load"] = round(time.perf_counter() - began, 3)
    log.info("history.simulated", **summary.as_dict())
    return summary


def _summary(spec: SimulationSpec, days: int, frame: pd.DataFrame) -> SimulateSummary:
    return SimulateSummary(
        origin=spec.origin,
        days=days,
        seed=spec.seed,
        customers=spec.customers,
        terminals=spec.terminals,
        transactions=len(frame),
        frauds=int(frame["is_fraud"].sum()),
        fraud=spec.fraud,
    )
