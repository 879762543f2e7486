"""The figures area: what one run of the loop did, counted in the warehouse — the demo's summary
and live view, and the benchmarks' live runs (``bench/measure.py``). One owner of these figures: the
statements are the ``figures`` area (``sql/common/statements/figures.sql``, one form for both
dialects, and one implementation).

Every figure covers the rows of one run: those stamped at or after ``since`` (the run's start);
the windowed ones (a benchmark's measurement window) those produced in ``[since, until)``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any, Protocol

from fraudd.warehouse.session import SessionBase, statement

AREA = "figures"


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
class ScenarioCaught:
    """A run's decided frauds of one scenario and how the loop decided them."""

    scenario: int
    frauds: int
    caught: int
    blocked: int


@dataclass(frozen=True)
class RunLatency:
    """End-to-end latency (``decided_at - produced_at``) in ms, to 0.1; None before any."""

    p50: float | None
    p95: float | None
    p99: float | None
    max: float | None


def as_dict(figures: RunCounts | RunCaught | RunLatency) -> dict[str, Any]:
    """A figures record as plain data (for JSON summaries)."""
    return {f.name: getattr(figures, f.name) for f in fields(figures)}


STAGES = ("producer_to_kinesis", "kinesis_to_view", "view_to_decision")
"""The stages of a record's way, in order: produced -> Kinesis arrival -> in the view -> decided."""


class FiguresOps(Protocol):
    async def run_counts(self, since: dt.datetime) -> RunCounts:
        """Rows of the run so far."""

    async def run_caught(self, since: dt.datetime) -> RunCaught:
        """Frauds among the run's decisions and how they were decided."""

    async def run_caught_by_scenario(self, since: dt.datetime) -> list[ScenarioCaught]:
        """The run's decided frauds by the labels' fraud scenario (those naming one), in
        scenario order."""

    async def run_blocks_without_fraud(self, since: dt.datetime) -> int:
        """Cards blocked by the run's decisions none of whose decided swipes is a labelled
        fraud."""

    async def run_latency(self, since: dt.datetime, until: dt.datetime | None = None) -> RunLatency:
        """Latency percentiles of the run's decisions (produced before ``until`` if given)."""

    async def run_outcomes(self, since: dt.datetime, until: dt.datetime) -> dict[str, int]:
        """Decisions produced in ``[since, until)`` by outcome (approve / review / block)."""

    async def decided_per_second(self, since: dt.datetime) -> dict[int, int]:
        """The run's decisions by the wall-clock second (epoch seconds) they were decided in."""

    async def oldest_undecided(self, at: dt.datetime) -> dt.datetime | None:
        """When the oldest record produced before ``at`` but decided only at or after it was
        produced; None when every record produced before ``at`` was decided by then."""

    async def stage_latency_p50(
        self, since: dt.datetime, until: dt.datetime
    ) -> dict[str, float | None]:
        """Median ms of each of :data:`STAGES` for the decisions produced in ``[since, until)``."""


FAR_FUTURE = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)
"""``until`` of a run still going: later than any record's production time."""


def _ms(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


class Figures(SessionBase):
    async def _row(self, name: str, since: dt.datetime) -> tuple[Any, ...]:
        sql = self.sql(AREA, name)
        row = await self.conn.fetchrow(sql, *([since] * sql.count("%s")))
        assert row is not None  # aggregates always return one row
        return tuple(row)

    async def run_counts(self, since: dt.datetime) -> RunCounts:
        return RunCounts(*(int(v) for v in await self._row("run_counts", since)))

    async def run_caught(self, since: dt.datetime) -> RunCaught:
        return RunCaught(*(int(v or 0) for v in await self._row("run_caught", since)))

    async def run_latency(self, since: dt.datetime, until: dt.datetime | None = None) -> RunLatency:
        sql = self.sql(AREA, "run_latency_between")
        row = await self.conn.fetchrow(sql, since, until or FAR_FUTURE)
        assert row is not None  # aggregates always return one row
        return RunLatency(*(_ms(v) for v in row))

    run_caught_by_scenario = statement(
        AREA, "run_caught_by_scenario", "all",
        lambda rows: [ScenarioCaught(*(int(v) for v in r)) for r in rows],
    )  # fmt: skip
    run_blocks_without_fraud = statement(AREA, "run_blocks_without_fraud", "value", int)
    run_outcomes = statement(
        AREA, "outcomes_between", "all", lambda rows: {str(r[0]): int(r[1]) for r in rows}
    )
    decided_per_second = statement(
        AREA, "decided_per_second", "all", lambda rows: {int(r[0]): int(r[1]) for r in rows}
    )

    async def oldest_undecided(self, at: dt.datetime) -> dt.datetime | None:
        value = await self.conn.fetchval(self.sql(AREA, "oldest_undecided"), at, at)
        return value if isinstance(value, dt.datetime) else None

    async def stage_latency_p50(
        self, since: dt.datetime, until: dt.datetime
    ) -> dict[str, float | None]:
        rows = await self.conn.fetch(self.sql(AREA, "stage_latency_p50"), since, until)
        medians = {str(r[0]): _ms(r[1]) for r in rows}
        return {stage: medians.get(stage) for stage in STAGES}
