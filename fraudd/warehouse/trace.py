"""A record of the statements a warehouse sends, for a block that asks for it.

Benchmarks count a decided batch's round trips and EXPLAIN what a poll's statements read; an
engineer chasing a slow path wants the same list. :meth:`DialectWarehouse.traced
<fraudd.warehouse.DialectWarehouse.traced>` turns it on for one ``async with`` block: every
connection the warehouse hands out inside it (sessions and raw connections alike) records each
statement with its parameters, and each committed transaction as ``COMMIT``. Outside such a block
connections are the driver's own, untouched.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fraudd.warehouse.base import Connection, Row

COMMIT = "COMMIT"
"""How a committed transaction appears in a trace (one round trip)."""


@dataclass
class StatementTrace:
    """The statements sent while tracing, in order: ``(sql, parameters)``."""

    statements: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)

    def clear(self) -> None:
        """Forget what was recorded so far (e.g. between two measured batches)."""
        self.statements.clear()


class TracedConnection:
    """A connection that notes every statement in a :class:`StatementTrace`, then runs it."""

    def __init__(self, conn: Connection, trace: StatementTrace) -> None:
        self._conn = conn
        self._trace = trace

    def _note(self, sql: str, args: Sequence[Any]) -> None:
        self._trace.statements.append((sql, tuple(args)))

    async def execute(self, sql: str, *args: Any) -> int:
        self._note(sql, args)
        return await self._conn.execute(sql, *args)

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        self._note(sql, args)
        return await self._conn.fetch(sql, *args)

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        self._note(sql, args)
        return await self._conn.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        self._note(sql, args)
        return await self._conn.fetchval(sql, *args)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        async with self._conn.transaction():
            yield
        self._note(COMMIT, ())

    def __getattr__(self, name: str) -> Any:
        """Everything else (executemany, bulk copies, ping) goes to the driver unrecorded."""
        return getattr(self._conn, name)
