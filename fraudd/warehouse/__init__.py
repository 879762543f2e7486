"""The warehouse layer: the product's warehouse operations behind one typed seam.

``async with opened_warehouse(settings) as warehouse:`` is how a command opens the warehouse: a
pool with the configured driver (``warehouse.driver``: psycopg or redshift_connector) and a
:class:`Warehouse` whose sessions speak the configured dialect (``warehouse.dialect``: PostgreSQL
or Redshift), closed when the block ends. That is the only place the dialect is chosen; callers
use the operations of :class:`fraudd.warehouse.api.Session`. The daemon enters the same context
in its ``AsyncExitStack`` (:func:`fraudd.deps.open_deps`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fraudd.settings import Settings, WarehouseSettings
from fraudd.warehouse.api import Session, Warehouse
from fraudd.warehouse.api.stream import WatermarkConflict
from fraudd.warehouse.base import (
    Connection,
    Dialect,
    Migration,
    Pool,
    Row,
    WarehouseError,
    rows_as_dicts,
)
from fraudd.warehouse.session import SessionBase, Statements
from fraudd.warehouse.trace import StatementTrace, TracedConnection

__all__ = [
    "Connection",
    "Dialect",
    "Migration",
    "Pool",
    "Row",
    "Session",
    "StatementTrace",
    "Warehouse",
    "WarehouseError",
    "WatermarkConflict",
    "connect",
    "open_warehouse",
    "opened_warehouse",
    "rows_as_dicts",
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
    if settings.warehouse.dialect == "redshift":
        from fraudd.warehouse.redshift import RedshiftSession

        session_class: type[SessionBase] = RedshiftSession
    else:
        from fraudd.warehouse.postgres import PostgresSession

        session_class = PostgresSession
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
    from fraudd.warehouse.postgres import PostgresSession
    from fraudd.warehouse.redshift import RedshiftSession

    def _both_implement_the_seam(pg: PostgresSession, rs: RedshiftSession) -> list[Session]:
        """mypy proves here that each dialect's session has every operation of the seam."""
        return [pg, rs]
