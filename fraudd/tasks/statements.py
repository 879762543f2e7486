"""Run one of the consumer's named statements in the warehouse's dialect.

:mod:`fraudd.tasks.consumer_sql` (PostgreSQL) and :mod:`fraudd.tasks.consumer_redshift` define
the same statement names with the same arguments, so callers never branch on the dialect.
"""

from __future__ import annotations

from typing import Any

from fraudd.settings import Settings
from fraudd.tasks import consumer_redshift
from fraudd.tasks import consumer_sql as q
from fraudd.warehouse import Connection, Row


def render(settings: Settings, text: str) -> str:
    wh = settings.warehouse
    return text.format(schema=wh.schema_name, view=wh.streaming_view)


async def fetch(conn: Connection, settings: Settings, name: str, *args: Any) -> list[Row]:
    """Rows of statement ``name``."""
    if settings.warehouse.dialect == "redshift":
        return await consumer_redshift.fetch(conn, settings, name, *args)
    return await conn.fetch(render(settings, getattr(q, name)), *args)


async def execute(conn: Connection, settings: Settings, name: str, *args: Any) -> int:
    """Run statement ``name``; the affected row count."""
    if settings.warehouse.dialect == "redshift":
        return await consumer_redshift.execute(conn, settings, name, *args)
    return await conn.execute(render(settings, getattr(q, name)), *args)
