"""The warehouse layer: the product's warehouse operations behind one typed seam, and its one
public entry: a module outside ``fraudd/warehouse/`` imports from here only
(``tests/test_layers.py``), so the areas, dialects and drivers below may change shape freely.

``async with opened_warehouse(settings) as warehouse:`` is how a command opens the warehouse: a
pool with the configured driver (``warehouse.driver``: psycopg or redshift_connector) and a
:class:`Warehouse` whose sessions speak the configured dialect (``warehouse.dialect``: PostgreSQL
or Redshift), closed when the block ends. That is the only place the dialect is chosen; callers
use the operations of :class:`Session` (:mod:`fraudd.warehouse.seam`). The daemon enters the
same context in its ``AsyncExitStack`` (:func:`fraudd.deps.open_deps`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fraudd.settings import Settings, WarehouseSettings
from fraudd.warehouse.actions import PendingAlert, PendingBlock
from fraudd.warehouse.backtest import RECORD_COLUMNS as BACKTEST_COLUMNS
from fraudd.warehouse.base import (
    Connection,
    Dialect,
    Migration,
    Pool,
    Row,
    WarehouseError,
    rows_as_dicts,
)
from fraudd.warehouse.cases import (
    CaseAlert,
    CaseFilter,
    CaseOps,
    CaseSummary,
    HistoryRow,
    HourVerdicts,
    MinuteCount,
    MinuteLatency,
    Overview,
    StoredLabel,
)
from fraudd.warehouse.common import is_serialization_conflict
from fraudd.warehouse.feature_dialects import POSTGRES_INDEXED
from fraudd.warehouse.features import FeatureQueries, compiled_queries, feature_queries
from fraudd.warehouse.figures import STAGES, RunCaught, RunCounts, RunLatency, as_dict
from fraudd.warehouse.history import LoadResult, SimulationRecord
from fraudd.warehouse.labels import Label
from fraudd.warehouse.migrate import drop_schema
from fraudd.warehouse.migrate import migrate as apply_migrations
from fraudd.warehouse.migrate import pending as pending_migrations
from fraudd.warehouse.migrate import script as migration_script
from fraudd.warehouse.model_training import (
    CreateModelSpec,
    ModelStatus,
    ModelTrainingUnsupported,
    render_create_model,
)
from fraudd.warehouse.redshift_s3 import StagingConfigError
from fraudd.warehouse.rule_lists import ListsState, RuleList, RuleListChanged
from fraudd.warehouse.rules import (
    RuleDraft,
    RuleResult,
    RuleSetAltered,
    RuleSetDuplicate,
    RuleSetVersion,
    ShadowCell,
)
from fraudd.warehouse.seam import PostgresSession, RedshiftSession, Session, Warehouse
from fraudd.warehouse.session import SessionBase, Statements
from fraudd.warehouse.sqlfiles import text_bytes
from fraudd.warehouse.stream import (
    Advance,
    DeadLetter,
    Decided,
    DecidedBatch,
    SkippedRecord,
    StreamRecord,
    Watermark,
    WatermarkConflict,
)
from fraudd.warehouse.trace import StatementTrace, TracedConnection

__all__ = [
    "BACKTEST_COLUMNS",
    "POSTGRES_INDEXED",
    "STAGES",
    "Advance",
    "CaseAlert",
    "CaseFilter",
    "CaseOps",
    "CaseSummary",
    "Connection",
    "CreateModelSpec",
    "DeadLetter",
    "Decided",
    "DecidedBatch",
    "Dialect",
    "FeatureQueries",
    "HistoryRow",
    "HourVerdicts",
    "Label",
    "ListsState",
    "LoadResult",
    "Migration",
    "MinuteCount",
    "MinuteLatency",
    "ModelStatus",
    "ModelTrainingUnsupported",
    "Overview",
    "PendingAlert",
    "PendingBlock",
    "Pool",
    "Row",
    "RuleDraft",
    "RuleList",
    "RuleListChanged",
    "RuleResult",
    "RuleSetAltered",
    "RuleSetDuplicate",
    "RuleSetVersion",
    "RunCaught",
    "RunCounts",
    "RunLatency",
    "Session",
    "ShadowCell",
    "SimulationRecord",
    "SkippedRecord",
    "StagingConfigError",
    "StatementTrace",
    "StoredLabel",
    "StreamRecord",
    "Warehouse",
    "WarehouseError",
    "Watermark",
    "WatermarkConflict",
    "apply_migrations",
    "as_dict",
    "compiled_queries",
    "connect",
    "drop_schema",
    "feature_queries",
    "is_serialization_conflict",
    "migration_script",
    "open_warehouse",
    "opened_warehouse",
    "pending_migrations",
    "render_create_model",
    "rows_as_dicts",
    "text_bytes",
]


async def connect(settings: WarehouseSettings) -> Pool:
    """Open a driver's connection pool; raise WarehouseError if unreachable."""
    if settings.driver == "redshift_connector":
        from fraudd.warehouse.redshift_driver import RedshiftConnectorWarehouse

        rs = RedshiftConnectorWarehouse(settings)
        await rs.open()
        return rs
    from fraudd.warehouse.psycopg_driver import PsycopgWarehouse

    pg = PsycopgWarehouse(settings)
    await pg.open()
    return pg


class DialectWarehouse:
    """A pool whose sessions are the dialect's :class:`Session` class."""

    def __init__(self, pool: Pool, settings: Settings, session_class: type[SessionBase]) -> None:
        self.pool = pool
        self.settings = settings
        self.schema = pool.schema
        self.dialect: Dialect = session_class.dialect
        self._session_class = session_class
        self._statements = Statements(session_class.dialect, settings)
        self._trace: StatementTrace | None = None

    @asynccontextmanager
    async def session(self) -> AsyncIterator[Session]:
        async with self.acquire() as conn:
            session = self._session_class(conn, self.settings, self._statements)
            yield session  # type: ignore[misc]  # each dialect's class is a Session: see below

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[Connection]:
        async with self.pool.acquire() as conn:
            yield conn if self._trace is None else TracedConnection(conn, self._trace)

    @asynccontextmanager
    async def traced(self) -> AsyncIterator[StatementTrace]:
        """Record every statement sent through this warehouse during the block
        (:mod:`fraudd.warehouse.trace`)."""
        outer, self._trace = self._trace, StatementTrace()
        try:
            yield self._trace
        finally:
            self._trace = outer

    async def ping(self) -> bool:
        return await self.pool.ping()

    async def close(self) -> None:
        await self.pool.close()


async def open_warehouse(settings: Settings) -> DialectWarehouse:
    """Open the configured pool and pick the dialect's session class (the one place it is)."""
    redshift = settings.warehouse.dialect == "redshift"
    session_class: type[SessionBase] = RedshiftSession if redshift else PostgresSession
    return DialectWarehouse(await connect(settings.warehouse), settings, session_class)


@asynccontextmanager
async def opened_warehouse(settings: Settings) -> AsyncIterator[DialectWarehouse]:
    """The warehouse for the duration of the block (the one way a command opens it).

    The yielded warehouse is also a :class:`Pool`, for what works below sessions (migrations).
    """
    warehouse = await open_warehouse(settings)
    try:
        yield warehouse
    finally:
        await warehouse.close()


if TYPE_CHECKING:

    def _both_implement_the_seam(pg: PostgresSession, rs: RedshiftSession) -> list[Session]:
        """mypy proves here that each dialect's session has every operation of the seam."""
        return [pg, rs]
