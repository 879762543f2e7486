"""The ``simulations`` table: which simulated timeline the warehouse holds, and where it ends.

``fraudd simulate history`` records one row per load (in the load's transaction); the producer's
live mode reads the newest row to continue the same timeline (same spec, from the history's end).

The table has no column for the spec's fraud mode (``handbook`` or ``extended``): a row reads back
as the handbook's, and live mode plays the mode of its settings (``producer.fraud``, which is
also ``simulate history``'s default). The two modes' ids never meet (the extended ids start
with ``x``), so one seed may name a timeline of each.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, fields, replace
from typing import Final

from fraudd.simulator import SimulationSpec
from fraudd.warehouse import Session, SimulationRecord

_RECORDED: Final[tuple[str, ...]] = tuple(
    f.name for f in fields(SimulationSpec) if f.name != "fraud"
)
"""The spec's fields that ``simulations`` stores, each under its own name."""


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

    def record(self, label_delay_max_days: float) -> SimulationRecord:
        """The row that records this history (for the load's ``finish``)."""
        spec = asdict(self.spec)
        return SimulationRecord(
            **{name: spec[name] for name in _RECORDED},
            days=self.days,
            transactions=self.transactions,
            frauds=self.frauds,
            label_delay_max_days=label_delay_max_days,
        )


def _stored(row: SimulationRecord) -> StoredSimulation:
    # The row stores each field of the spec under the field's own name (see ``record``).
    spec = SimulationSpec(**{name: getattr(row, name) for name in _RECORDED})
    return StoredSimulation(spec, row.days, row.transactions, row.frauds)


async def latest_simulation(session: Session) -> StoredSimulation | None:
    """The newest recorded simulation, or None (also when the table does not exist yet)."""
    row = await session.latest_simulation()
    return None if row is None else _stored(row)


async def check_seed_is_free(session: Session, spec: SimulationSpec) -> None:
    """Raise :class:`SimulationConflict` when ``spec.seed`` names another stored timeline.

    Simulated ids are ``<seed>-<day>-<index>``: two timelines with one seed (another origin or
    size) share ids, and the second would be skipped as already loaded. The same spec again
    (with any number of days) is fine: its rows are the same rows.
    """
    for row in await session.simulations_with_seed(spec.seed):
        other = _stored(row)
        if replace(other.spec, fraud=spec.fraud) != spec:  # the mode is not stored (see above)
            raise SimulationConflict(
                f"seed {spec.seed} already names another simulated timeline in this warehouse "
                f"(origin {other.spec.origin}, {other.spec.customers} customers, "
                f"{other.spec.terminals} terminals): transaction ids would collide; "
                "choose another --seed"
            )
