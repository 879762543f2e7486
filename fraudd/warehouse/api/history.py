"""Bulk loads of labelled history, the simulations they record, and where a timeline stands.

A load stages everything first, checks it against the warehouse, then inserts once::

    async with session.history_load(source="history") as load:
        await load.stage(chunks)          # CSV text of fraudd.history.columns.NORMAL_COLUMNS
        result = await load.finish()

1. Rows go into a temporary staging table: ``COPY ... FROM STDIN`` on PostgreSQL; CSV.gz parts
   on S3 and ``COPY ... FROM 's3://...'`` on Redshift (no COPY FROM STDIN there).
2. In one transaction that first locks ``transactions`` and ``labels`` against other writers:
   rows whose ``tx_id`` is already stored (``already_loaded``) or appeared on an earlier line
   (``duplicate_in_file``) are set aside in a rejects table; the rest go into ``transactions``
   and ``labels`` with plain ``INSERT ... SELECT``. Redshift does not enforce primary keys, so
   this explicit check is the only thing that keeps a row from being stored twice.
3. Statements of a bulk load can run for minutes: the session's statement timeout is lifted for
   the load and restored afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import AsyncIterable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Protocol


class StagingConfigError(ValueError):
    """A bulk load cannot start with this configuration; the message says what to set."""


@dataclass
class LoadResult:
    """What one load did; ``rejected`` counts the warehouse-side reasons only."""

    staged: int = 0
    loaded: int = 0
    labels: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    sample: list[tuple[int, str]] = field(default_factory=list)
    """The first rejected lines (line number, reason), in line order."""
    indexes_rebuilt: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class SimulationRecord:
    """One row of ``simulations``: a simulated timeline's parameters and size."""

    seed: int
    customers: int
    terminals: int
    radius: float
    origin: dt.date
    days: int
    transactions: int
    frauds: int
    label_delay_max_days: float = 0.0


class HistoryLoad(Protocol):
    result: LoadResult

    async def stage(self, chunks: AsyncIterable[str]) -> int:
        """Append CSV chunks to the staging table (may be called more than once)."""

    async def finish(self, simulation: SimulationRecord | None = None) -> LoadResult:
        """Check, insert (and record ``simulation``) in one transaction; refresh statistics."""


class HistoryOps(Protocol):
    def history_load(
        self, *, source: str = "history", check_duplicates: bool = True, sample_size: int = 20
    ) -> AbstractAsyncContextManager[HistoryLoad]:
        """A bulk load on this session (see the module docstring). ``check_duplicates=False``
        skips the in-file duplicate check (the simulator's output has none). Raises
        :class:`StagingConfigError` on entry when the dialect's bulk path is not configured."""

    async def simulations_with_seed(self, seed: int) -> list[SimulationRecord]:
        """Recorded timelines with this seed, oldest first ([] when the table is missing)."""

    async def latest_simulation(self) -> SimulationRecord | None:
        """The newest recorded timeline, or None (also when the table is missing)."""

    async def newest_transaction_since(self, since: dt.datetime) -> dt.datetime | None:
        """The latest ``tx_time`` at or after ``since``, or None."""
