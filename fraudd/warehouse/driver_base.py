"""What the two drivers' connections and pools have in common, written once.

Each driver (:mod:`fraudd.warehouse.psycopg_driver`, :mod:`fraudd.warehouse.redshift_driver`)
subclasses :class:`DriverConnection` and :class:`DriverPool` and supplies the parts that differ:
how a statement runs, how a transaction is opened and closed, how a connection is checked out.
The rules the callers rely on (see :class:`fraudd.warehouse.base.Connection`) live here.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fraudd.settings import WarehouseSettings
from fraudd.warehouse.base import Connection, Row, WarehouseError
from fraudd.warehouse.common import csv_rows, insert_rows, login_failure_is_permanent, text_chunks


class DriverConnection:
    """The shared half of a pooled connection: reads built on ``fetchrow``, the transaction's
    guard, and multi-row INSERT loading for servers without ``COPY FROM STDIN``."""

    _in_transaction = False

    async def execute(self, sql: str, *args: Any) -> int:
        raise NotImplementedError

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        raise NotImplementedError

    async def fetchval(self, sql: str, *args: Any) -> Any:
        """Run a query and return the first column of the first row, or None."""
        row = await self.fetchrow(sql, *args)
        return None if row is None else row[0]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """BEGIN ... COMMIT; ROLLBACK when the block raises. Not re-entrant.

        A statement that failed inside the block aborts the transaction even if the block caught
        the error; COMMIT would then silently roll back, so this raises instead.
        """
        if self._in_transaction:
            raise RuntimeError("transaction() is not re-entrant")
        self._in_transaction = True
        try:
            async with self._transaction():
                yield
        finally:
            self._in_transaction = False

    def _transaction(self) -> AbstractAsyncContextManager[None]:
        """The driver's BEGIN ... COMMIT, raising :func:`failed_transaction` as above."""
        raise NotImplementedError

    async def _insert_rows(
        self, target: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> int:
        return await insert_rows(self.execute, target, columns, rows)

    async def _insert_csv(
        self, target: str, columns: Sequence[str], chunks: Iterable[str] | AsyncIterable[str]
    ) -> int:
        """CSV text parsed back into rows and appended with multi-row INSERTs."""
        count = 0
        async for chunk in text_chunks(chunks):
            count += await self._insert_rows(target, columns, csv_rows(chunk))
        return count


def failed_transaction() -> WarehouseError:
    """The error of a transaction in which a statement failed (it has been rolled back)."""
    return WarehouseError("a statement in the transaction failed; rolled back", transient=False)


class DriverPool:
    """The shared half of a driver's pool: the health check and the start-up error."""

    _settings: WarehouseSettings

    def acquire(self) -> AbstractAsyncContextManager[Connection]:
        raise NotImplementedError

    async def ping(self) -> bool:
        """True when ``SELECT 1`` succeeds within the connect timeout."""
        try:
            async with asyncio.timeout(self._settings.connect_timeout_s), self.acquire() as conn:
                return bool(await conn.fetchval("SELECT 1") == 1)
        except (WarehouseError, TimeoutError):
            return False

    def cannot_connect(self, error: WarehouseError, message: str) -> WarehouseError:
        """``error`` (from the first connection) as the one-line start-up error; a refused login
        is permanent, so it is not retried (``message`` is the driver's text of it)."""
        s = self._settings
        return WarehouseError(
            f"cannot connect to {s.host}:{s.port}/{s.database} as {s.user}: {error}",
            transient=error.transient and not login_failure_is_permanent(message),
            sqlstate=error.sqlstate,
        )
