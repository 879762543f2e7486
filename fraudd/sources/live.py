"""Live mode: the simulated timeline of the stored history, continued where the history ends.

The producer takes swipes at its configured rate; the simulated clock advances with the data, so
live traffic has the history's per-customer rates (and fraud scenarios) at an effective speed-up
of ``rate_tps / (history transactions per simulated second)``. The fraud mode (handbook or
extended) is the configured one (``producer.fraud``): the stored history does not record it.

On a restart the source resumes one second after the newest transaction in the warehouse at or
after the history's end (the consumer dead-letters the rare swipe sent twice when it was in
flight at the crash). Labels still waiting in the producer's queue at a restart are not written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any, Final

import numpy as np
import pandas as pd
import structlog

from fraudd.history.timelines import StoredSimulation, latest_simulation
from fraudd.settings import Settings
from fraudd.simulator import LiveSimulator, SimulationSpec
from fraudd.sources.base import Draft
from fraudd.warehouse import Warehouse

log = structlog.get_logger(__name__)

RESUME_AFTER: Final[dt.timedelta] = dt.timedelta(seconds=1)
"""Simulated times are whole seconds: resuming a second later never repeats a swipe."""


class LiveSource:
    """A :class:`~fraudd.sources.base.Source` over :class:`~fraudd.simulator.LiveSimulator`."""

    def __init__(self, spec: SimulationSpec, start: dt.datetime) -> None:
        self.spec = spec
        self.simulator = LiveSimulator(spec, start)

    def take(self, n: int) -> list[Draft]:
        """The next ``n`` swipes of the timeline, with their ground truth."""
        return drafts_from_frame(self.simulator.take(n)) if n > 0 else []

    def clock(self) -> dt.datetime:
        """Simulated time: event time of the last swipe taken (the start before any)."""
        return self.simulator.clock


def drafts_from_frame(frame: pd.DataFrame) -> list[Draft]:
    """Simulator (or normalised history) rows as drafts; ids as text, NaN coordinates as None."""
    if frame.empty:
        return []
    times = frame["tx_time"].dt.tz_convert("UTC").dt.to_pydatetime()
    columns: dict[str, list[Any]] = {
        name: frame[name].tolist()
        for name in ("tx_id", "card_token", "last4", "merchant_category", "channel", "currency")
    }
    columns["customer_id"] = frame["customer_id"].astype(str).tolist()
    columns["terminal_id"] = frame["terminal_id"].astype(str).tolist()
    columns["amount"] = np.round(frame["amount"].to_numpy(dtype=float), 2).tolist()
    for name in ("terminal_x", "terminal_y"):
        values = frame[name].to_numpy(dtype=float)
        columns[name] = [None if v != v else v for v in values.tolist()]
    columns["is_fraud"] = (frame["is_fraud"].to_numpy() > 0).tolist()
    columns["fraud_scenario"] = [
        None if v is pd.NA else int(v) for v in frame["fraud_scenario"].astype("Int16").tolist()
    ]
    names = list(columns)
    return [
        Draft(tx_time=when, **dict(zip(names, values, strict=True)))
        for when, values in zip(times, zip(*columns.values(), strict=True), strict=True)
    ]


async def live_source_from_warehouse(wh: Warehouse, settings: Settings) -> LiveSource | None:
    """A live source continuing the newest simulated history in the warehouse, or None."""
    async with wh.session() as session:
        stored = await latest_simulation(session)
        if stored is None:
            return None
        newest = await session.newest_transaction_since(stored.end)
    start = stored.end if newest is None else max(stored.end, newest + RESUME_AFTER)
    # The stored row does not say the history's fraud mode: live mode plays the configured one.
    spec = replace(stored.spec, fraud=settings.producer.fraud)
    _log_start(stored, start, settings.producer.rate_tps, spec.fraud)
    return LiveSource(spec, start)


def _log_start(stored: StoredSimulation, start: dt.datetime, rate_tps: float, fraud: str) -> None:
    per_second = stored.tx_per_second
    log.info(
        "producer.live_source",
        seed=stored.spec.seed,
        fraud=fraud,
        origin=stored.spec.origin.isoformat(),
        history_end=stored.end.isoformat(),
        start=start.isoformat(),
        rate_tps=rate_tps,
        history_tx_per_day=round(per_second * 86_400, 1),
        speedup=round(rate_tps / per_second, 1) if per_second else None,
    )
