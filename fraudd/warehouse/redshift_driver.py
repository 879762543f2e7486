"""The redshift_connector driver, made awaitable: every call runs on a small thread pool.

``redshift_connector`` is synchronous, so each connection's work runs on a
``ThreadPoolExecutor`` with one thread per pooled connection and the event loop never blocks.
The pool is an ``asyncio.LifoQueue`` of slots (an open connection, or None = connect on demand). A
connection that failed at the connection level, or was abandoned by a cancelled task while its
thread was still busy, is closed in the background once the thread is done and its slot
reconnects on the next acquire. A connection idle for ``check_after_idle_s`` is checked with
``SELECT 1`` before it is handed out. Logging in, the session's settings and the types read
back: :mod:`fraudd.warehouse.redshift_login`.

Parameters: ``dict`` -> JSON text; ``bytes`` -> bytea hex text on the postgres dialect (the
driver's own VARBYTE encoding on redshift). ``%s`` placeholders ('format' paramstyle).
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, suppress
from typing import Any, TypeVar

import redshift_connector
import structlog

from fraudd.settings import WarehouseSettings
from fraudd.warehouse.base import Dialect, Row, WarehouseError
from fraudd.warehouse.common import (
    CONNECTION_LOST_SQLSTATES,
    qualified_table,
    row_maker,
    sqlstate_is_transient,
)
from fraudd.warehouse.driver_base import DriverConnection, DriverPool, failed_transaction
from fraudd.warehouse.redshift_login import Raw, connect_sync
from fraudd.warehouse.sqlfiles import sql_segments

log = structlog.get_logger(__name__)

T = TypeVar("T")


@functools.lru_cache(maxsize=1024)
def driver_sql(sql: str) -> str:
    """Our placeholder rules (psycopg's) in redshift_connector's dialect of 'format'.

    With parameters, psycopg wants every literal ``%`` written ``%%``, quotes included, while
    redshift_connector's scanner skips quoted strings, identifiers and comments and would keep
    ``%%`` there verbatim. Un-double it in those places only.
    """
    return "".join(
        text.replace("%%", "%") if kind in ("quote", "ident", "comment") else text
        for kind, text in sql_segments(sql)
    )


def map_error(exc: BaseException) -> WarehouseError:
    """A redshift_connector (or socket) exception as a WarehouseError.

    Server errors carry a dict of ErrorResponse fields as ``args[0]`` (``C`` = SQLSTATE, ``M``
    message, ``D`` detail); all three decide whether it is transient, because Redshift's
    serialization conflict is ``C='XX000', M='1023'`` with the words in ``D`` (see
    :func:`fraudd.warehouse.common.is_serialization_conflict`). Errors without one come from the
    client side: a broken or closed socket or a timeout is transient,
    anything else (bad parameters, unsupported types) is not.
    """
    fields = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else None
    if fields is not None:
        sqlstate = fields.get("C")
        message, detail = str(fields.get("M", "")), str(fields.get("D", ""))
        transient = sqlstate_is_transient(sqlstate, message, detail)
        text = f"{message}: {detail}" if detail else message
        return WarehouseError(
            f"{type(exc).__name__}: {text}", transient=transient, sqlstate=sqlstate
        )
    client_side = (redshift_connector.InterfaceError, redshift_connector.OperationalError, OSError)
    message = " ".join(str(a) for a in exc.args) or type(exc).__name__
    return WarehouseError(
        f"{type(exc).__name__}: {message}", transient=isinstance(exc, client_side)
    )


def _connection_lost(error: WarehouseError) -> bool:
    return error.transient and (
        error.sqlstate is None
        or error.sqlstate.startswith("08")
        or error.sqlstate in CONNECTION_LOST_SQLSTATES
    )


class RedshiftConnectorConnection(DriverConnection):
    """One pooled redshift_connector connection; see :class:`fraudd.warehouse.base.Connection`."""

    def __init__(self, raw: Raw, owner: RedshiftConnectorWarehouse) -> None:
        self._raw = raw
        self._owner = owner
        self._tx_failed = False
        self.broken = False
        self.pending: asyncio.Future[Any] | None = None

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        if self.broken:
            raise WarehouseError("connection is broken; acquire a new one", transient=True)
        future = asyncio.get_running_loop().run_in_executor(self._owner.executor, fn, *args)
        self.pending = future
        try:
            result = await asyncio.shield(future)
        except asyncio.CancelledError:
            self.broken = True  # its thread may still be using the socket
            raise
        except Exception as exc:
            self.pending = None
            error = exc if isinstance(exc, WarehouseError) else map_error(exc)
            self.broken = self.broken or _connection_lost(error)
            self._tx_failed = self._tx_failed or self._in_transaction
            raise error from exc
        self.pending = None
        return result

    def _adapt(self, value: Any) -> Any:
        if isinstance(value, dict):
            return json.dumps(value, separators=(",", ":"))
        if isinstance(value, bytes | bytearray | memoryview) and self._owner.dialect == "postgres":
            return "\\x" + bytes(value).hex()
        return value

    def _run(self, sql: str, args: Sequence[Any] | None) -> tuple[list[Row], int]:
        cursor = self._raw.cursor()
        cursor.paramstyle = "format"
        if args:
            cursor.execute(driver_sql(sql), [self._adapt(a) for a in args])
        else:
            cursor.execute(sql, None)
        if not cursor.description:
            return [], cursor.rowcount
        make = row_maker(tuple(str(d[0]) for d in cursor.description))
        return [make(r) for r in cursor.fetchall()], cursor.rowcount

    def _run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        cursor = self._raw.cursor()
        cursor.paramstyle = "format"
        cursor.executemany(driver_sql(sql), [[self._adapt(v) for v in row] for row in rows])

    async def execute(self, sql: str, *args: Any) -> int:
        """Run one statement; return the affected row count (-1 when not applicable)."""
        return (await self._call(self._run, sql, args))[1]

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement once per parameter row (one round trip each)."""
        if rows:
            await self._call(self._run_many, sql, rows)

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        """Run a query and return all rows as named tuples."""
        return (await self._call(self._run, sql, args))[0]

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        """Run a query and return the first row, or None."""
        rows = await self.fetch(sql, *args)
        return rows[0] if rows else None

    async def copy_rows(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> int:
        """Bulk-append rows with multi-row INSERTs (the driver cannot COPY FROM STDIN)."""
        return await self._insert_rows(qualified_table(table, self._owner.schema), columns, rows)

    async def copy_csv(
        self, table: str, columns: Sequence[str], chunks: Iterable[str] | AsyncIterable[str]
    ) -> int:
        """Bulk-append CSV text with multi-row INSERTs (an empty field is NULL).

        The driver cannot COPY FROM STDIN; for bulk loads into Redshift stage files on S3 and
        run ``COPY ... FROM 's3://...'`` instead (see :mod:`fraudd.warehouse.redshift_s3`).
        """
        return await self._insert_csv(qualified_table(table, self._owner.schema), columns, chunks)

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[None]:
        await self.execute("BEGIN")
        self._tx_failed = False
        try:
            yield
        except BaseException:
            await self._rollback()
            raise
        if self._tx_failed:
            await self._rollback()
            raise failed_transaction()
        await self.execute("COMMIT")

    async def _rollback(self) -> None:
        if self.broken:
            return  # closing the connection rolls back on the server
        try:
            await self.execute("ROLLBACK")
        except WarehouseError:
            self.broken = True


class RedshiftConnectorWarehouse(DriverPool):
    """A pool of redshift_connector connections; see :class:`fraudd.warehouse.base.Pool`."""

    check_after_idle_s = 1.0

    def __init__(self, settings: WarehouseSettings) -> None:
        self.dialect: Dialect = settings.dialect
        self.schema: str = settings.schema_name
        self.executor = ThreadPoolExecutor(settings.pool_size, thread_name_prefix="fraudd-rs")
        self._settings = settings
        # LIFO: the warmest connection is reused; idle ones age out into the idle check
        self._slots: asyncio.LifoQueue[tuple[Raw, float] | None] = asyncio.LifoQueue()
        for _ in range(settings.pool_size):
            self._slots.put_nowait(None)
        self._background: set[asyncio.Task[None]] = set()
        self._closed = False

    async def open(self) -> None:
        """Open the first connection now, so bad settings fail at start-up."""
        try:
            async with self.acquire():
                pass
        except BaseException:
            await self.close()
            raise
        log.info("warehouse.opened", driver="redshift_connector", dialect=self.dialect)

    async def _connect(self) -> Raw:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self.executor, connect_sync, self._settings)
        except Exception as exc:
            error = map_error(exc)
            raise self.cannot_connect(error, str(error)) from exc

    async def _checked(self, slot: tuple[Raw, float] | None) -> Raw:
        if slot is not None:
            raw, last_used = slot
            if time.monotonic() - last_used < self.check_after_idle_s:
                return raw
            probe = RedshiftConnectorConnection(raw, self)
            try:
                if await probe.fetchval("SELECT 1") == 1:
                    return raw
            except WarehouseError:
                pass
            except BaseException:  # cancelled mid-check: the thread may still hold the socket
                self._discard(raw, probe.pending, put_back=False)
                raise
            self._discard(raw, None, put_back=False)
        return await self._connect()

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[RedshiftConnectorConnection]:
        """Check a connection out of the pool for the duration of the block."""
        if self._closed:
            raise WarehouseError("warehouse is closed", transient=False)
        timeout = self._settings.statement_timeout_s + self._settings.connect_timeout_s
        try:
            slot = await asyncio.wait_for(self._slots.get(), timeout)
        except TimeoutError:
            raise WarehouseError(
                f"no free connection within {timeout:g} s", transient=True
            ) from None
        try:
            raw = await self._checked(slot)
        except BaseException:
            self._slots.put_nowait(None)
            raise
        conn = RedshiftConnectorConnection(raw, self)
        try:
            yield conn
        finally:
            self._release(conn)

    def _release(self, conn: RedshiftConnectorConnection) -> None:
        raw = conn._raw
        if conn.broken or conn.pending is not None or raw.in_transaction or self._closed:
            self._discard(raw, conn.pending, put_back=True)
        else:
            self._slots.put_nowait((raw, time.monotonic()))

    def _discard(self, raw: Raw, pending: asyncio.Future[Any] | None, *, put_back: bool) -> None:
        """Close ``raw`` once its thread is idle; then free its slot (if ``put_back``)."""

        async def close_later() -> None:
            if pending is not None:
                with suppress(BaseException):
                    await pending
            with suppress(Exception):
                await asyncio.get_running_loop().run_in_executor(self.executor, raw.close)
            if put_back:
                self._slots.put_nowait(None)

        task = asyncio.get_running_loop().create_task(close_later())
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        log.info("warehouse.connection_discarded", driver="redshift_connector")

    async def close(self) -> None:
        """Close every idle connection, wait for discarded ones, stop the threads."""
        self._closed = True
        await asyncio.gather(*self._background, return_exceptions=True)
        while not self._slots.empty():
            slot = self._slots.get_nowait()
            if slot is not None:
                with suppress(Exception):
                    await asyncio.get_running_loop().run_in_executor(self.executor, slot[0].close)
        self.executor.shutdown(wait=False, cancel_futures=True)
        log.info("warehouse.closed", driver="redshift_connector")
