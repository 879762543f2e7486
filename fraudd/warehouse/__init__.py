"""The warehouse layer: one awaitable interface over psycopg and redshift_connector.

``await connect(settings.warehouse)`` returns an open :class:`Warehouse`; choose the driver with
``warehouse.driver`` and the SQL dialect with ``warehouse.dialect``.
"""

from __future__ import annotations

from fraudd.settings import WarehouseSettings
from fraudd.warehouse.base import (
    Connection,
    Dialect,
    Migration,
    Row,
    Warehouse,
    WarehouseError,
    rows_as_dicts,
)

__all__ = [
    "Connection",
    "Dialect",
    "Migration",
    "Row",
    "Warehouse",
    "WarehouseError",
    "connect",
    "rows_as_dicts",
]


async def connect(settings: WarehouseSettings) -> Warehouse:
    """Open a connection pool with the configured driver; raise WarehouseError if unreachable."""
    if settings.driver == "redshift_connector":
        from fraudd.warehouse.redshift_driver import RedshiftConnectorWarehouse

        rs = RedshiftConnectorWarehouse(settings)
        await rs.open()
        return rs
    from fraudd.warehouse.psycopg_driver import PsycopgWarehouse

    pg = PsycopgWarehouse(settings)
    await pg.open()
    return pg
