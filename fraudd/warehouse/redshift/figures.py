"""Run figures on Redshift: the shared code and statements (checked against AWS's pages there)."""

from __future__ import annotations

from fraudd.warehouse.shared.figures import SharedFigures


class RedshiftFigures(SharedFigures):
    pass
