"""How the console and the commands reach the warehouse's cases area."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

from fraudd.warehouse import Session, Warehouse


def session(warehouse: Warehouse, _settings: object = None) -> AbstractAsyncContextManager[Session]:
    """A session (with the cases operations among the seam's) over one pooled connection."""
    return warehouse.session()
