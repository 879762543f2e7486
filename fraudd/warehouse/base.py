"""The warehouse interface every driver implements: awaitable, asyncpg-style, ``%s`` placeholders.

Rows come back as named tuples (index or attribute access). Values are always bound parameters;
identifiers (schema, table names) come from validated settings and are rendered by
:mod:`fraudd.warehouse.sqlfiles`, never from data.

Placeholder rule (psycopg's, enforced for both drivers): when a statement has parameters, write
every literal ``%`` as ``%%`` (also inside quotes); without parameters, write it as ``%``.

Outside :meth:`Connection.transaction` every statement commits on its own. Both drivers return
the same Python types: numeric -> Decimal, timestamptz -> aware datetime in UTC, bytea -> bytes,
json/jsonb -> parsed JSON (dict/list), double -> float, smallint/integer/bigint -> int. A ``dict``
parameter is sent as JSON text that the server casts to the column's type.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, Protocol

Dialect = Literal["postgres", "redshift"]
if TYPE_CHECKING:

    class Row(tuple[Any, ...]):
        """A named tuple at run time: ``row.column`` works as well as ``row[0]``."""

        def __getattr__(self, name: str) -> Any: ...

        def _asdict(self) -> dict[str, Any]: ...

else:
    Row = tuple


class WarehouseError(Exception):
    """A warehouse operation failed; ``transient`` says whether a retry may succeed.

    ``sqlstate`` is the server's five-character error code when there is one (``"23505"`` for a
    unique violation, ...); the driver's own exception is kept as ``__cause__``.
    """

    def __init__(self, message: str, *, transient: bool, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.sqlstate = sqlstate


class Connection(Protocol):
    """One connection checked out of the pool. Not shared between tasks."""

    async def execute(self, sql: str, *args: Any) -> int:
        """Run one statement; return the affected row count (-1 when not applicable)."""

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement once per parameter row."""

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        """Run a query and return all rows."""

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        """Run a query and return the first row, or None."""

    async def fetchval(self, sql: str, *args: Any) -> Any:
        """Run a query and return the first column of the first row, or None."""

    async def copy_rows(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> int:
        """Bulk-append rows (COPY on PostgreSQL, multi-row INSERT elsewhere); return the count."""

    async def copy_csv(
        self, table: str, columns: Sequence[str], chunks: Iterable[str] | AsyncIterable[str]
    ) -> int:
        """Bulk-append CSV text (no header; an unquoted empty field is NULL); return the count.

        ``COPY ... FROM STDIN (FORMAT csv)`` on PostgreSQL: the fastest path for millions of
        rows. Each chunk must end at a record boundary. Elsewhere the text is parsed back into
        rows and appended with multi-row INSERTs.
        """

    def transaction(self) -> AbstractAsyncContextManager[None]:
        """Commit on normal exit, roll back on exception. Not re-entrant."""


class Pool(Protocol):
    """A driver's pool of connections to one database (psycopg or redshift_connector).

    A connection the server dropped fails its caller with a transient error and is replaced, also
    when it died while idle in the pool; a task cancelled mid-statement frees its slot; no call
    blocks the event loop.
    """

    dialect: Dialect
    schema: str

    def acquire(self) -> AbstractAsyncContextManager[Connection]:
        """Check a connection out of the pool for the duration of the block."""

    async def ping(self) -> bool:
        """True when a trivial query succeeds within the connect timeout."""

    async def close(self) -> None:
        """Close every connection."""


class Migration(NamedTuple):
    """One migration: its version, name, unrendered text (tables expanded) and the checksums
    of earlier texts that state the same schema (accepted as applied)."""

    version: str
    name: str
    sql: str
    superseded: tuple[str, ...] = ()


def rows_as_dicts(rows: Sequence[Row]) -> list[dict[str, Any]]:
    """Named-tuple rows as plain dicts (for printing and JSON)."""
    return [r._asdict() for r in rows]
