"""What every area of the seam is built from: the session (a connection with its dialect's
statements and its transaction), operations made from one named statement, and how Redshift,
which binds no arrays, is given a list (an ``IN`` list, a session temp table).
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any, ClassVar, Literal, TypeVar

from fraudd.columns import Field, columns_of
from fraudd.feature_catalog import Catalog
from fraudd.settings import Settings
from fraudd.warehouse.base import Connection, Dialect
from fraudd.warehouse.columns import own_fragments
from fraudd.warehouse.common import insert_rows
from fraudd.warehouse.features import FeatureQueries, compiled_queries
from fraudd.warehouse.sqlfiles import load_statement

R = TypeVar("R")
Fetch = Literal["all", "row", "value", "count"]
IDS_MARKER = "/*ids*/"
"""Where a Redshift statement takes an ``IN`` list (:func:`in_list`)."""


class Statements:
    """The rendered statements of one dialect and schema (each file read once per process)."""

    def __init__(self, dialect: Dialect, settings: Settings) -> None:
        wh = settings.warehouse
        self.dialect = dialect
        self.identifiers = (
            ("schema", wh.schema_name),
            ("view", wh.streaming_view),
            *own_fragments(dialect, settings.fields.declared),
        )
        self.catalog = settings.features.selected()
        """The configured feature catalog (``features.*``)."""
        self.features = compiled_queries(self.catalog, dialect, wh.schema_name)
        """Its feature queries in this dialect."""

    def __call__(self, area: str, name: str) -> str:
        return _rendered(self.dialect, area, name, self.identifiers)


@functools.lru_cache(maxsize=512)
def _rendered(
    dialect: Dialect, area: str, name: str, identifiers: tuple[tuple[str, str], ...]
) -> str:
    return load_statement(dialect, area, name, root=None, **dict(identifiers))


class SessionBase:
    """A connection checked out of the pool, with the settings and statements of its dialect.

    The dialect's session class (:mod:`fraudd.warehouse.seam`) mixes in one class per area;
    each area reads its SQL through :attr:`sql`.
    """

    dialect: ClassVar[Dialect]

    def __init__(self, conn: Connection, settings: Settings, statements: Statements) -> None:
        self.conn = conn
        self.settings = settings
        self.statements = statements

    def sql(self, area: str, name: str) -> str:
        """Statement ``name`` of ``statements/<area>.sql`` in this session's dialect."""
        return self.statements(area, name)

    @property
    def catalog(self) -> Catalog:
        """The feature catalog this session's feature SQL computes (``features.*``)."""
        return self.statements.catalog

    @property
    def features(self) -> FeatureQueries:
        """The feature queries of the catalog this process runs, in this dialect."""
        return self.statements.features

    in_transaction = False
    """Whether the caller holds :meth:`transaction` open (an area whose writes open their own
    transaction joins the caller's instead: see :meth:`atomic`)."""

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """Commit on normal exit, roll back on exception. Not re-entrant."""
        async with self.conn.transaction():
            self.in_transaction = True
            try:
                yield
            finally:
                self.in_transaction = False

    @asynccontextmanager
    async def atomic(self) -> AsyncIterator[None]:
        """An operation's statements in one transaction: the caller's when one is open (so an
        audited action and its audit entry commit together), else their own."""
        if self.in_transaction:
            yield
            return
        async with self.conn.transaction():
            yield


def _same(value: Any) -> Any:
    return value


def statement(
    area: str, name: str, fetch: Fetch, then: Callable[[Any], R] = _same
) -> Callable[..., Coroutine[Any, Any, R]]:
    """The operation that runs statement ``name`` of ``area`` with its arguments, in order, as
    the parameters, and returns ``then`` of what it fetched: every row (``all``), the first row
    or None (``row``), the first value (``value``) or the number of rows changed (``count``).

    Its parameters are typed where callers see them, in the area's Protocol.
    """

    async def operation(self: SessionBase, *args: Any) -> R:
        conn = self.conn
        run = {"all": conn.fetch, "row": conn.fetchrow, "value": conn.fetchval}.get(fetch)
        result = await (run or conn.execute)(self.sql(area, name), *args)
        return then(result)

    operation.__name__ = operation.__qualname__ = name
    operation.__doc__ = f"Statement ``{name}`` of ``statements/{area}.sql``."
    return operation


def in_list(sql: str, count: int) -> str:
    """``sql`` with its :data:`IDS_MARKER` replaced by ``count`` placeholders (Redshift binds no
    arrays: a list of values is an ``IN (%s, %s, ...)`` list)."""
    if count < 1:
        raise ValueError("an IN list needs at least one value")
    return sql.replace(IDS_MARKER, ", ".join(["%s"] * count))


STAGING_AREA = "staging"


async def stage(
    session: SessionBase,
    area: str,
    ddl: str,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> int:
    """Redshift's stand-in for an array parameter: make sure the session's temp ``table``
    exists (statement ``ddl`` of ``area``, a ``CREATE TEMP TABLE IF NOT EXISTS``), empty it and
    fill it with ``rows`` in multi-row INSERTs under the statement limit."""
    await session.conn.execute(session.sql(area, ddl))
    await session.conn.execute(session.sql(STAGING_AREA, f"clear_{table}"))
    return await insert_rows(session.conn.execute, table, columns, rows)


def numbered(items: Sequence[Any], fields: Sequence[Field]) -> Iterable[tuple[Any, ...]]:
    """``items`` as staging rows: each one's position (the ``ord`` column that keeps the batch's
    first row of a key), then its ``fields``."""
    return zip(range(len(items)), *columns_of(items, fields), strict=True)


def value_rows(items: Sequence[Any], fields: Sequence[Field]) -> Iterable[tuple[Any, ...]]:
    """``items`` as the rows of an ``INSERT ... VALUES`` (one tuple of ``fields`` each)."""
    return zip(*columns_of(items, fields), strict=True)
