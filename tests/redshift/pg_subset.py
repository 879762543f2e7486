"""Run fraudd's Redshift SQL on PostgreSQL: the part both share, spelled the PostgreSQL way.

A test fixture, like the wire shim: no Redshift exists in CI, so what can run on PostgreSQL runs
there, and the rest is checked for syntax and structure only (test_redshift_sql.py).

:func:`to_postgres` rewrites one Redshift statement; the rules are few and explicit:

* table attributes PostgreSQL has no use for are dropped: ``DISTSTYLE``, ``DISTKEY (...)``,
  ``[COMPOUND|INTERLEAVED] SORTKEY (...)``, column ``ENCODE ...``;
* types: ``SUPER`` -> ``jsonb``, ``VARBYTE(n)`` -> ``bytea``;
* functions: ``GETDATE()`` -> ``clock_timestamp()``; ``JSON_PARSE(x)`` -> ``<schema>.json_parse(x)``
  (a SQL function :data:`JSON_PARSE_FUNCTION` the test creates: text -> jsonb).

Statements with no PostgreSQL counterpart (``CREATE EXTERNAL SCHEMA ... FROM KINESIS``, the
streaming materialized view, ``SET``/``RESET enable_case_sensitive_identifier``, and the view over
the streaming view that uses ``CAN_JSON_PARSE``) return None: :data:`REDSHIFT_ONLY` names them.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fraudd.warehouse import Connection, Pool, Row

REDSHIFT_ONLY = (
    re.compile(r"^\s*CREATE\s+EXTERNAL\s+SCHEMA\b", re.I),
    re.compile(r"^\s*CREATE\s+MATERIALIZED\s+VIEW\b", re.I),
    re.compile(r"^\s*(SET|RESET)\s+enable_case_sensitive_identifier\b", re.I),
    re.compile(r"\bCAN_JSON_PARSE\s*\(", re.I),
)
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bDISTSTYLE\s+(KEY|ALL|EVEN|AUTO)\b", re.I), ""),
    (re.compile(r"\bDISTKEY\s*\([^)]*\)", re.I), ""),
    (re.compile(r"\b(COMPOUND\s+|INTERLEAVED\s+)?SORTKEY\s*\([^)]*\)", re.I), ""),
    (re.compile(r"\bENCODE\s+\w+", re.I), ""),
    (re.compile(r"\bSUPER\b"), "jsonb"),
    (re.compile(r"\bVARBYTE\s*\(\s*\d+\s*\)", re.I), "bytea"),
    (re.compile(r"\bGETDATE\(\)", re.I), "clock_timestamp()"),
)
_JSON_PARSE = re.compile(r"(?<![.\w])JSON_PARSE\(", re.I)
JSON_PARSE_FUNCTION = (
    "CREATE FUNCTION {schema}.json_parse(value text) RETURNS jsonb "
    "LANGUAGE sql IMMUTABLE STRICT AS 'SELECT value::jsonb'"
)


def _code_only(statement: str) -> str:
    return re.sub(r"--[^\n]*", "", statement)


def to_postgres(statement: str, schema: str) -> str | None:
    """``statement`` (Redshift) as PostgreSQL runs it, or None when it is Redshift-only."""
    code = _code_only(statement)
    if any(p.search(code) for p in REDSHIFT_ONLY):
        return None
    for pattern, replacement in _RULES:
        code = pattern.sub(replacement, code)
    return _JSON_PARSE.sub(f"{schema}.json_parse(", code)


class PgSubsetConnection:
    """A connection that rewrites every statement with :func:`to_postgres` before running it."""

    def __init__(self, conn: Connection, schema: str, seen: list[str]) -> None:
        self._conn = conn
        self._schema = schema
        self._seen = seen

    def _pg(self, sql: str) -> str:
        self._seen.append(sql)
        rewritten = to_postgres(sql, self._schema)
        if rewritten is None:
            raise AssertionError(f"Redshift-only statement reached the PostgreSQL stand-in: {sql}")
        return rewritten

    async def execute(self, sql: str, *args: Any) -> int:
        return await self._conn.execute(self._pg(sql), *args)

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        await self._conn.executemany(self._pg(sql), rows)

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        return await self._conn.fetch(self._pg(sql), *args)

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        return await self._conn.fetchrow(self._pg(sql), *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        return await self._conn.fetchval(self._pg(sql), *args)

    def __getattr__(self, name: str) -> Any:  # transaction(), copy_rows(), ...
        return getattr(self._conn, name)


class PgSubsetWarehouse:
    """A warehouse whose connections are :class:`PgSubsetConnection` (dialect stays redshift)."""

    def __init__(self, warehouse: Pool) -> None:
        self._warehouse = warehouse
        self.dialect = warehouse.dialect
        self.schema = warehouse.schema
        self.seen: list[str] = []  # every statement, as sent (before the rewrite)

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[PgSubsetConnection]:
        async with self._warehouse.acquire() as conn:
            yield PgSubsetConnection(conn, self.schema, self.seen)

    async def ping(self) -> bool:
        return await self._warehouse.ping()

    async def close(self) -> None:
        await self._warehouse.close()
