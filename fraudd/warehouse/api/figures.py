"""Run figures: what a run of the loop did, counted in the warehouse (the demo's summary and
live view; benchmarks can use the same). One owner of these figures: the statements are
``queries/run_counts.sql``, ``run_caught.sql`` and ``run_latency.sql``.

Every figure covers the rows of one run: those stamped at or after ``since`` (the run's start).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from fraudd.settings import WarehouseSettings
from fraudd.warehouse.base import Warehouse


@dataclass(frozen=True)
class RunCounts:
    """Rows of a run: in the stream (view), decided, quarantined, alerts, blocks."""

    in_stream: int
    decided: int
    dead_lettered: int
    alerts: int
    alerts_published: int
    cards_blocked: int
    blocks_decided: int


@dataclass(frozen=True)
class RunCaught:
    """Frauds among a run's decisions (by the labels) and how the loop decided them."""

    fraud_decided: int
    fraud_caught: int
    fraud_blocked: int
    legit_alerted: int


@dataclass(frozen=True)
class RunLatency:
    """End-to-end latency (``decided_at - produced_at``) in ms; None before any decision."""

    p50: float | None
    p95: float | None
    p99: float | None
    max: float | None


class RunFigures(Protocol):
    """The figures of one run, read from the warehouse."""

    async def counts(self, since: dt.datetime) -> RunCounts: ...

    async def caught(self, since: dt.datetime) -> RunCaught: ...

    async def latency(self, since: dt.datetime) -> RunLatency: ...


def run_figures(wh: Warehouse, settings: WarehouseSettings) -> RunFigures:
    """The run figures of ``wh`` (its dialect's statements, the configured schema and view)."""
    from fraudd.warehouse.shared.figures import SqlRunFigures

    return SqlRunFigures(wh, settings.schema_name, settings.streaming_view)
