"""History bulk loads and the simulations table, where the dialects agree.

:class:`BulkLoad` is the load of :mod:`fraudd.warehouse.api.history`; each dialect supplies how
rows reach the staging table (:meth:`BulkLoad.copy_into_staging`) and, on PostgreSQL, the index
work of a big load (:meth:`BulkLoad.before_insert` / :meth:`BulkLoad.after_insert`).
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import AsyncIterable
from types import TracebackType
from typing import Any, ClassVar, Final

import structlog

from fraudd.warehouse.api.history import LoadResult, SimulationRecord
from fraudd.warehouse.base import WarehouseError
from fraudd.warehouse.session import SessionBase

log = structlog.get_logger(__name__)
AREA = "history"
STAGING: Final[str] = "fraudd_history_staging"
REJECTS: Final[str] = "fraudd_history_rejects"
UNDEFINED_TABLE: Final[str] = "42P01"


class BulkLoad:
    """One bulk load on one session; ``async with`` creates and drops its temp tables."""

    def __init__(
        self, session: SessionBase, *, source: str, check_duplicates: bool, sample_size: int
    ) -> None:
        self.session = session
        self.conn = session.conn
        self.source = source
        self.check_duplicates = check_duplicates
        self.sample_size = sample_size
        self.result = LoadResult()
        self._timeout: str | None = None

    def sql(self, name: str) -> str:
        """A statement of the history area (temp tables :data:`STAGING` and :data:`REJECTS`)."""
        return self.session.sql(AREA, name)

    async def __aenter__(self) -> BulkLoad:
        self._timeout = str(await self.conn.fetchval(self.sql("show_timeout")))
        await self.conn.fetchval(self.sql("set_timeout"), "0")
        for name in ("drop_staging", "drop_rejects", "create_staging", "create_rejects"):
            await self.conn.execute(self.sql(name))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            for name in ("drop_staging", "drop_rejects"):
                await self.conn.execute(self.sql(name))
            if self._timeout is not None:
                await self.conn.fetchval(self.sql("set_timeout"), self._timeout)
        except WarehouseError:
            if exc is None:
                raise  # otherwise the original error matters more than the cleanup's

    async def stage(self, chunks: AsyncIterable[str]) -> int:
        began = time.perf_counter()
        staged = await self.copy_into_staging(chunks)
        self.result.staged += staged
        self.took("stage", began)
        return staged

    async def copy_into_staging(self, chunks: AsyncIterable[str]) -> int:
        """Append CSV chunks to the staging table; the number of rows (the dialect's path)."""
        raise NotImplementedError

    async def finish(self, simulation: SimulationRecord | None = None) -> LoadResult:
        async with self.conn.transaction():
            began = time.perf_counter()
            await self.conn.execute(self.sql("lock_writers"))  # first: before any read
            await self._find_rejects()
            self.took("check", began)
            await self.before_insert()
            await self._insert()
            await self.after_insert()
            if simulation is not None:
                await self.conn.execute(self.sql("insert_simulation"), *simulation_row(simulation))
        began = time.perf_counter()
        for name in ("analyze_transactions", "analyze_labels"):
            await self.conn.execute(self.sql(name))
        self.took("analyze", began)
        return self.result

    async def before_insert(self) -> None:
        """Work before the inserts, inside the load's transaction (nothing by default)."""

    async def after_insert(self) -> None:
        """Work after the inserts, inside the load's transaction (nothing by default)."""

    async def _find_rejects(self) -> None:
        await self.conn.execute(
            self.sql("find_rejects" if self.check_duplicates else "find_loaded")
        )
        rows = await self.conn.fetch(self.sql("reject_counts"))
        self.result.rejected.update({str(row[0]): int(row[1]) for row in rows})
        sample = await self.conn.fetch(self.sql("reject_sample"), self.sample_size)
        self.result.sample = [(int(row[0]), str(row[1])) for row in sample]

    async def _insert(self) -> None:
        began = time.perf_counter()
        self.result.loaded = await self.conn.execute(self.sql("insert_transactions"), self.source)
        self.took("insert_transactions", began)
        began = time.perf_counter()
        self.result.labels = await self.conn.execute(self.sql("insert_labels"), self.source)
        self.took("insert_labels", began)

    def took(self, step: str, began: float) -> None:
        """Add the time since ``began`` to ``result.seconds[step]``."""
        self.result.seconds[step] = round(
            self.result.seconds.get(step, 0.0) + time.perf_counter() - began, 3
        )


def simulation_row(sim: SimulationRecord) -> tuple[Any, ...]:
    """The ``insert_simulation`` parameters of ``sim`` (a fresh simulation_id)."""
    return (
        uuid.uuid4().hex,
        sim.seed,
        sim.customers,
        sim.terminals,
        sim.radius,
        sim.origin,
        sim.days,
        sim.transactions,
        sim.frauds,
        sim.label_delay_max_days,
    )


class SharedHistory(SessionBase):
    """:class:`~fraudd.warehouse.api.history.HistoryOps`; the dialect names its load class."""

    bulk_load: ClassVar[type[BulkLoad]]

    def history_load(
        self, *, source: str = "history", check_duplicates: bool = True, sample_size: int = 20
    ) -> BulkLoad:
        return self.bulk_load(
            self, source=source, check_duplicates=check_duplicates, sample_size=sample_size
        )

    async def simulations_with_seed(self, seed: int) -> list[SimulationRecord]:
        return [_simulation(r) for r in await self._simulations("same_seed", seed)]

    async def latest_simulation(self) -> SimulationRecord | None:
        rows = await self._simulations("latest_simulation")
        return _simulation(rows[0]) if rows else None

    async def newest_transaction_since(self, since: dt.datetime) -> dt.datetime | None:
        newest: dt.datetime | None = await self.conn.fetchval(self.sql(AREA, "newest_since"), since)
        return newest

    async def _simulations(self, name: str, *args: Any) -> list[Any]:
        try:
            return await self.conn.fetch(self.sql(AREA, name), *args)
        except WarehouseError as exc:
            if exc.sqlstate != UNDEFINED_TABLE:
                raise
            log.warning("history.simulations_missing", hint="run fraudd migrate")
            return []


def _simulation(row: Any) -> SimulationRecord:
    return SimulationRecord(
        seed=int(row.seed),
        customers=int(row.customers),
        terminals=int(row.terminals),
        radius=float(row.radius),
        origin=row.origin,
        days=int(row.days),
        transactions=int(row.transactions),
        frauds=int(row.frauds),
        label_delay_max_days=float(row.label_delay_max_days),
    )
