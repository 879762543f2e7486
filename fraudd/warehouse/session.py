"""What every dialect's session shares: the connection, its statements, its transaction."""

from __future__ import annotations

import functools
from contextlib import AbstractAsyncContextManager
from typing import ClassVar

from fraudd.settings import Settings
from fraudd.warehouse.base import Connection, Dialect
from fraudd.warehouse.sqlfiles import load_statement


class Statements:
    """The rendered statements of one dialect and schema (each file read once per process)."""

    def __init__(self, dialect: Dialect, settings: Settings) -> None:
        wh = settings.warehouse
        self.dialect = dialect
        self.identifiers = (("schema", wh.schema_name), ("view", wh.streaming_view))

    def __call__(self, area: str, name: str) -> str:
        return _rendered(self.dialect, area, name, self.identifiers)


@functools.lru_cache(maxsize=512)
def _rendered(
    dialect: Dialect, area: str, name: str, identifiers: tuple[tuple[str, str], ...]
) -> str:
    return load_statement(dialect, area, name, root=None, **dict(identifiers))


class SessionBase:
    """A connection checked out of the pool, with the settings and statements of its dialect.

    The dialect's session class (``PostgresSession``, ``RedshiftSession``) mixes in one class
    per area of :mod:`fraudd.warehouse.api`; each area reads its SQL through :attr:`sql`.
    """

    dialect: ClassVar[Dialect]

    def __init__(self, conn: Connection, settings: Settings, statements: Statements) -> None:
        self.conn = conn
        self.settings = settings
        self.statements = statements

    def sql(self, area: str, name: str) -> str:
        """Statement ``name`` of ``statements/<area>.sql`` in this session's dialect."""
        return self.statements(area, name)

    def transaction(self) -> AbstractAsyncContextManager[None]:
        """Commit on normal exit, roll back on exception. Not re-entrant."""
        return self.conn.transaction()
