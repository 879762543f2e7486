"""Session temp tables that stand in for the arrays Redshift cannot bind."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from fraudd.warehouse.common import insert_rows
from fraudd.warehouse.session import SessionBase

AREA = "staging"


async def stage(
    session: SessionBase,
    ddl: str,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> int:
    """Create the temp ``table`` once per connection (statement ``ddl`` of the session's area
    files), empty it and fill it with ``rows`` in multi-row INSERTs under the statement limit."""
    area, name = ddl.split(".") if "." in ddl else ("stream", ddl)
    await session.conn.execute(session.sql(area, name))
    await session.conn.execute(session.sql(AREA, f"clear_{table}"))
    return await insert_rows(session.conn.execute, table, columns, rows)
