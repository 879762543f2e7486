"""Session temp tables that stand in for the arrays Redshift cannot bind."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from fraudd.columns import Field, columns_of
from fraudd.warehouse.common import insert_rows
from fraudd.warehouse.session import SessionBase

AREA = "staging"


async def stage(
    session: SessionBase,
    area: str,
    ddl: str,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> int:
    """Make sure the session's temp ``table`` exists (statement ``ddl`` of ``area``, a
    ``CREATE TEMP TABLE IF NOT EXISTS``), empty it and fill it with ``rows`` in multi-row
    INSERTs under the statement limit."""
    await session.conn.execute(session.sql(area, ddl))
    await session.conn.execute(session.sql(AREA, f"clear_{table}"))
    return await insert_rows(session.conn.execute, table, columns, rows)


def numbered(items: Sequence[Any], fields: Sequence[Field]) -> Iterable[tuple[Any, ...]]:
    """``items`` as staging rows: each one's position (the ``ord`` column that keeps the batch's
    first row of a key), then its ``fields``."""
    return zip(range(len(items)), *columns_of(items, fields), strict=True)
