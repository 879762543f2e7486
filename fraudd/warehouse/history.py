"""The history area: bulk loads of labelled history, the simulations they record, and where a
timeline stands.

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
4. On PostgreSQL, a large load into a table that is small in comparison drops the table's
   non-unique indexes first and rebuilds them at the end, in the same transaction (a failed
   load leaves them as they were). Maintaining three indexes row by row costs several times
   more than one sort-based build each. The rebuild holds a lock on ``transactions``: a running
   consumer waits for it.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import AsyncIterable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, ClassVar, Final, Protocol

import structlog

from fraudd.columns import HISTORY_ROW, names
from fraudd.warehouse.base import WarehouseError
from fraudd.warehouse.redshift_s3 import stage_through_s3, staging_uri
from fraudd.warehouse.session import SessionBase


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
        :class:`~fraudd.warehouse.redshift_s3.StagingConfigError` on entry when the dialect's
        bulk path is not configured."""

    async def simulations_with_seed(self, seed: int) -> list[SimulationRecord]:
        """Recorded timelines with this seed, oldest first ([] when the table is missing)."""

    async def latest_simulation(self) -> SimulationRecord | None:
        """The newest recorded timeline, or None (also when the table is missing)."""

    async def newest_transaction_since(self, since: dt.datetime) -> dt.datetime | None:
        """The latest ``tx_time`` at or after ``since``, or None."""


log = structlog.get_logger(__name__)
AREA = "history"
STAGING: Final[str] = "fraudd_history_staging"
REJECTS: Final[str] = "fraudd_history_rejects"
UNDEFINED_TABLE: Final[str] = "42P01"


class BulkLoad(ABC):
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

    @abstractmethod
    async def copy_into_staging(self, chunks: AsyncIterable[str]) -> int:
        """Append CSV chunks to the staging table; the number of rows (the dialect's path)."""

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

    async def before_insert(self) -> None:  # noqa: B027 - a hook PostgreSQL fills
        """Work before the inserts, inside the load's transaction (nothing by default)."""

    async def after_insert(self) -> None:  # noqa: B027 - a hook PostgreSQL fills
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
    """:class:`HistoryOps`; the dialect names its load class."""

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


# --- PostgreSQL: ``COPY ... FROM STDIN``, and index rebuilds for big loads -------------------

BIG_LOAD_ROWS: Final[int] = 200_000
"""Below this many rows, indexes are maintained row by row (a rebuild would not pay)."""


class PostgresBulkLoad(BulkLoad):
    _dropped: list[tuple[str, str]]

    async def copy_into_staging(self, chunks: AsyncIterable[str]) -> int:
        return await self.conn.copy_csv(f"pg_temp.{STAGING}", names(HISTORY_ROW), chunks)

    async def before_insert(self) -> None:
        """Drop the non-unique indexes of ``transactions`` when rebuilding them is faster."""
        self._dropped = []
        incoming = self.result.staged - sum(self.result.rejected.values())
        if incoming < BIG_LOAD_ROWS:
            return
        schema = self.session.settings.warehouse.schema_name
        table = f"{schema}.transactions"
        existing = int(await self.conn.fetchval(self.sql("row_estimate"), table))
        if existing < 0:  # never analysed
            existing = int(await self.conn.fetchval(self.sql("count_transactions")))
        if incoming < existing:
            return
        await self.conn.execute(self.sql("work_mem"))
        for row in await self.conn.fetch(self.sql("secondary_indexes"), table):
            await self.conn.execute(row.drop_statement)
            self._dropped.append((str(row.name), str(row.definition)))

    async def after_insert(self) -> None:
        began = time.perf_counter()
        for _name, definition in self._dropped:
            await self.conn.execute(definition)  # the server's own text of the dropped index
        self.result.indexes_rebuilt = len(self._dropped)
        if self._dropped:
            self.took("rebuild_indexes", began)


class PostgresHistory(SharedHistory):
    bulk_load: ClassVar[type[BulkLoad]] = PostgresBulkLoad


# --- Redshift: rows reach the staging table through S3 and COPY (:mod:`.redshift_s3`) --------


class RedshiftBulkLoad(BulkLoad):
    async def __aenter__(self) -> BulkLoad:
        staging_uri(self.session.settings)  # refuse before creating anything
        return await super().__aenter__()

    async def copy_into_staging(self, chunks: AsyncIterable[str]) -> int:
        return await stage_through_s3(self.session.settings, self.conn, chunks)


class RedshiftHistory(SharedHistory):
    bulk_load: ClassVar[type[BulkLoad]] = RedshiftBulkLoad
