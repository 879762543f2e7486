"""The ``simulations`` table: which simulated timeline the warehouse holds, and where it ends.

``fraudd simulate history`` records one row per load (in the load's transaction); the producer's
live mode reads the newest row to continue the same timeline (same spec, from the history's end).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, Final

import structlog

from fraudd.simulator import SimulationSpec
from fraudd.warehouse import Connection, WarehouseError
from fraudd.warehouse.sqlfiles import render

log = structlog.get_logger(__name__)

UNDEFINED_TABLE: Final[str] = "42P01"
INSERT_SIMULATION = """
INSERT INTO {schema}.simulations (simulation_id, seed, customers, terminals, radius, origin, days,
    transactions, frauds, label_delay_max_days)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"""
SAME_SEED = """
SELECT seed, customers, terminals, radius, origin, days, transactions, frauds
FROM {schema}.simulations WHERE seed = %s ORDER BY loaded_at"""
LATEST_SIMULATION = """
SELECT seed, customers, terminals, radius, origin, days, transactions, frauds, loaded_at
FROM {schema}.simulations ORDER BY loaded_at DESC LIMIT 1"""


class SimulationConflict(ValueError):
    """Another timeline with the same seed is stored: transaction ids would collide."""


@dataclass(frozen=True)
class StoredSimulation:
    """A simulated history as recorded in the warehouse."""

    spec: SimulationSpec
    days: int
    transactions: int
    frauds: int

    @property
    def end(self) -> dt.datetime:
        """Start of the first day after the history: where live mode begins."""
        return self.spec.day_start(self.days)

    @property
    def tx_per_second(self) -> float:
        """Transactions per simulated second in the history (to turn a rate into a speed-up)."""
        return self.transactions / (self.days * 86_400) if self.days else 0.0


def insert_statement(
    schema: str, sim: StoredSimulation, label_delay_max_days: float
) -> tuple[str, tuple[Any, ...]]:
    """The INSERT recording ``sim`` (for :meth:`HistoryLoader.finish`'s ``extra``)."""
    spec = sim.spec
    args = (
        uuid.uuid4().hex,
        spec.seed,
        spec.customers,
        spec.terminals,
        spec.radius,
        spec.origin,
        sim.days,
        sim.transactions,
        sim.frauds,
        label_delay_max_days,
    )
    return render(INSERT_SIMULATION, schema=schema), args


async def latest_simulation(conn: Connection, schema: str) -> StoredSimulation | None:
    """The newest recorded simulation, or None (also when the table does not exist yet)."""
    rows = await _fetch(conn, render(LATEST_SIMULATION, schema=schema))
    return _stored(rows[0]) if rows else None


async def check_seed_is_free(conn: Connection, schema: str, spec: SimulationSpec) -> None:
    """Raise :class:`SimulationConflict` when ``spec.seed`` names another stored timeline.

    Simulated ids are ``<seed>-<day>-<index>``: two timelines with one seed (another origin or
    size) share ids, and the second would be skipped as already loaded. The same spec again
    (with any number of days) is fine: its rows are the same rows.
    """
    for row in await _fetch(conn, render(SAME_SEED, schema=schema), spec.seed):
        other = _stored(row)
        if other.spec != spec:
            raise SimulationConflict(
                f"seed {spec.seed} already names another simulated timeline in this warehouse "
                f"(origin {other.spec.origin}, {other.spec.customers} customers, "
                f"{other.spec.terminals} terminals): transaction ids would collide; "
                "choose another --seed"
            )


async def _fetch(conn: Connection, sql: str, *args: Any) -> list[Any]:
    try:
        return await conn.fetch(sql, *args)
    except WarehouseError as exc:
        if exc.sqlstate != UNDEFINED_TABLE:
            raise
        log.warning("history.simulations_missing", hint="run fraudd migrate")
        return []


def _stored(row: Any) -> StoredSimulation:
    spec = SimulationSpec(
        origin=row.origin,
        seed=int(row.seed),
        customers=int(row.customers),
        terminals=int(row.terminals),
        radius=float(row.radius),
    )
    return StoredSimulation(spec, int(row.days), int(row.transactions), int(row.frauds))
