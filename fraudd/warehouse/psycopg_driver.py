"""The psycopg 3 driver: natively async, for PostgreSQL and (prepared statements off) Redshift.

Connections autocommit; :meth:`PsycopgConnection.transaction` opens a real BEGIN/COMMIT. The pool
checks every connection before handing it out, so one killed by ``pg_terminate_backend`` or a
server restart is replaced instead of failing the next caller.

Types: numeric -> Decimal, timestamptz -> aware datetime (session time zone UTC), bytea -> bytes,
json/jsonb -> parsed (dict/list). A ``dict`` parameter is sent as JSON text of unknown type, so
the server casts it to the column's type (jsonb here, ``JSON_PARSE(%s)`` on Redshift's SUPER).
"""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import psycopg
import structlog
from psycopg import pq
from psycopg.abc import Buffer
from psycopg.adapt import Dumper
from psycopg.conninfo import make_conninfo
from psycopg.rows import namedtuple_row
from psycopg_pool import AsyncConnectionPool

from fraudd.settings import WarehouseSettings
from fraudd.warehouse.base import Dialect, Row, WarehouseError
from fraudd.warehouse.common import column_list, qualified_table, sqlstate_is_transient, text_chunks
from fraudd.warehouse.driver_base import DriverConnection, DriverPool, failed_transaction

log = structlog.get_logger(__name__)

_AConn = psycopg.AsyncConnection[Any]


class _JsonTextDumper(Dumper):
    """dict -> JSON text with the unknown type (oid 0): the server picks jsonb/json/SUPER."""

    oid = 0

    def dump(self, obj: Any) -> Buffer:
        return json.dumps(obj, separators=(",", ":")).encode("utf-8")


def map_error(exc: BaseException) -> WarehouseError:
    """A psycopg exception as a WarehouseError; connection-level problems are transient."""
    sqlstate = getattr(exc, "sqlstate", None)
    transient = sqlstate_is_transient(sqlstate, str(exc)) or (
        sqlstate is None and isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError)
    )
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return WarehouseError(
        f"{type(exc).__name__}: {first_line}", transient=transient, sqlstate=sqlstate
    )


@asynccontextmanager
async def _mapped() -> AsyncIterator[None]:
    try:
        yield
    except psycopg.Error as exc:
        raise map_error(exc) from exc


def _params(args: Sequence[Any]) -> Sequence[Any] | None:
    # None (not an empty tuple) keeps psycopg from parsing '%' in parameterless SQL
    return args if args else None


class PsycopgConnection(DriverConnection):
    """One pooled psycopg connection; see :class:`fraudd.warehouse.base.Connection`."""

    def __init__(self, conn: _AConn, dialect: Dialect, schema: str) -> None:
        self._conn = conn
        self._dialect = dialect
        self._schema = schema

    async def execute(self, sql: str, *args: Any) -> int:
        """Run one statement; return the affected row count (-1 when not applicable)."""
        async with _mapped():
            cur = await self._conn.execute(sql, _params(args))
            return cur.rowcount

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement once per parameter row (pipelined)."""
        if not rows:
            return
        async with _mapped(), self._conn.cursor() as cur:
            await cur.executemany(sql, rows)

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        """Run a query and return all rows as named tuples."""
        async with _mapped():
            cur = await self._conn.execute(sql, _params(args))
            return await cur.fetchall()

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        """Run a query and return the first row, or None."""
        async with _mapped():
            cur = await self._conn.execute(sql, _params(args))
            row: Row | None = await cur.fetchone()
            return row

    async def copy_rows(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> int:
        """Bulk-append rows: COPY FROM STDIN on PostgreSQL, multi-row INSERT on Redshift."""
        target = qualified_table(table, self._schema)
        if self._dialect == "redshift":
            return await self._insert_rows(target, columns, rows)
        statement = f"COPY {target} ({column_list(columns)}) FROM STDIN"
        count = 0
        async with _mapped(), self._conn.cursor() as cur, cur.copy(statement) as copy:
            for row in rows:
                await copy.write_row(row)
                count += 1
        return count

    async def copy_csv(
        self, table: str, columns: Sequence[str], chunks: Iterable[str] | AsyncIterable[str]
    ) -> int:
        """Bulk-append CSV text: ``COPY ... (FORMAT csv)`` on PostgreSQL, INSERTs on Redshift.

        Whole chunks go to the server in one write each: no per-row Python work, which makes it
        several times faster than :meth:`copy_rows` for millions of rows.
        """
        target = qualified_table(table, self._schema)
        if self._dialect == "redshift":
            return await self._insert_csv(target, columns, chunks)
        statement = f"COPY {target} ({column_list(columns)}) FROM STDIN (FORMAT csv)"
        async with _mapped(), self._conn.cursor() as cur:
            async with cur.copy(statement) as copy:
                async for chunk in text_chunks(chunks):
                    await copy.write(chunk)
            return cur.rowcount

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[None]:
        async with _mapped(), self._conn.transaction():
            yield
            if self._conn.info.transaction_status == pq.TransactionStatus.INERROR:
                raise failed_transaction()


def conninfo(settings: WarehouseSettings) -> str:
    """libpq connection string (contains the password: never log it)."""
    options = None
    if settings.dialect == "postgres":
        timeout_ms = int(settings.statement_timeout_s * 1000)
        options = f"-c statement_timeout={timeout_ms} -c TimeZone=UTC"
    return make_conninfo(
        host=settings.host,
        port=settings.port,
        dbname=settings.database,
        user=settings.user,
        password=settings.password.get_secret_value() or None,
        sslmode=settings.sslmode,
        # libpq takes whole seconds and treats anything below 2 as 2
        connect_timeout=max(2, math.ceil(settings.connect_timeout_s)),
        application_name="fraudd",
        client_encoding="utf8",
        options=options,
    )


class PsycopgWarehouse(DriverPool):
    """A psycopg_pool of autocommit connections; see :class:`fraudd.warehouse.base.Pool`."""

    def __init__(self, settings: WarehouseSettings) -> None:
        self.dialect: Dialect = settings.dialect
        self.schema: str = settings.schema_name
        self._settings = settings
        self._acquire_timeout = settings.statement_timeout_s + settings.connect_timeout_s
        self._pool: AsyncConnectionPool[_AConn] = AsyncConnectionPool(
            conninfo(settings),
            kwargs={
                "autocommit": True,
                "row_factory": namedtuple_row,
                # psycopg's automatic server-side prepares are not reliable on Redshift: never
                "prepare_threshold": None if settings.dialect == "redshift" else 5,
            },
            min_size=1,
            max_size=settings.pool_size,
            open=False,
            configure=self._configure,
            check=AsyncConnectionPool.check_connection,
            name="fraudd",
            timeout=self._acquire_timeout,
        )

    async def open(self) -> None:
        """Connect once directly (for a precise error), then open the pool and wait for it."""
        s = self._settings
        try:
            probe = await psycopg.AsyncConnection.connect(conninfo(s), autocommit=True)
            await probe.close()
            await self._pool.open(wait=True, timeout=s.connect_timeout_s)
        except psycopg.Error as exc:
            await self._pool.close()
            raise self.cannot_connect(map_error(exc), str(exc)) from exc
        log.info("warehouse.opened", driver="psycopg", dialect=self.dialect, host=s.host)

    async def _configure(self, conn: _AConn) -> None:
        conn.adapters.register_dumper(dict, _JsonTextDumper)
        if self.dialect == "redshift":
            # Redshift ignores libpq's startup "options"; set the session up with plain SETs
            timeout_ms = int(self._settings.statement_timeout_s * 1000)
            await conn.execute(f"SET statement_timeout TO {timeout_ms}")
            await conn.execute("SET timezone TO 'UTC'")

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[PsycopgConnection]:
        """Check a connection out of the pool for the duration of the block."""
        async with _mapped(), self._pool.connection() as conn:
            yield PsycopgConnection(conn, self.dialect, self.schema)

    async def close(self) -> None:
        """Close every connection."""
        await self._pool.close()
        log.info("warehouse.closed", driver="psycopg")
