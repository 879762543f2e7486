"""A labelled history: the handbook's dataset (genuine transactions plus ``add_frauds``)."""

from __future__ import annotations

import datetime as dt
import time

import pandas as pd
import structlog

from fraudd.simulator.timeline import SimulationSpec, Timeline

log = structlog.get_logger(__name__)


def generate_history(
    start: dt.date,
    days: int,
    customers: int = 5000,
    terminals: int = 10000,
    seed: int = 42,
    radius: float = 5.0,
) -> pd.DataFrame:
    """Transactions of days ``[0, days)`` from ``start`` 00:00 UTC, sorted by time, labelled.

    Columns and types: :mod:`fraudd.simulator.frame`. To continue it in live mode, build
    ``spec = SimulationSpec(start, seed, customers, terminals, radius)`` and
    ``LiveSimulator(spec, spec.day_start(days))``.
    """
    spec = SimulationSpec(
        origin=start, seed=seed, customers=customers, terminals=terminals, radius=radius
    )
    began = time.perf_counter()
    frame = Timeline(spec).days(0, days)
    log.info(
        "simulator.history_generated",
        days=days,
        customers=customers,
        terminals=terminals,
        seed=seed,
        transactions=len(frame),
        frauds=int(frame["is_fraud"].sum()),
        seconds=round(time.perf_counter() - began, 3),
    )
    return frame
