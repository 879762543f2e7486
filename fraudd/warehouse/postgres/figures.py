"""Run figures on PostgreSQL: the shared code and statements."""

from __future__ import annotations

from fraudd.warehouse.shared.figures import SharedFigures


class PostgresFigures(SharedFigures):
    pass
