"""The transaction's columns (:mod:`fraudd.columns`) as SQL fragments for the statements.

A statement writes ``{history_ddl:columns}`` where the staging table's column definitions go,
``{history_names:columns}`` where its column list goes; :func:`fraudd.warehouse.sqlfiles.
load_statement` supplies them in the statement's dialect. The staging tables thus have the same
columns and types as the table in :mod:`fraudd.columns`, which the migrations' ``transactions``
and ``labels`` tables are checked against (``tests/warehouse/test_columns.py``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from fraudd.columns import HISTORY_ROW, LABEL, Column, names
from fraudd.warehouse.base import Dialect


def definitions(columns: Iterable[Column], dialect: Dialect) -> str:
    """``name TYPE [NOT NULL], ...`` in the dialect's types."""
    return ", ".join(
        f"{c.name} {getattr(c, dialect)}{' NOT NULL' if c.required else ''}" for c in columns
    )


@functools.cache
def fragments(dialect: Dialect) -> dict[str, str]:
    """Every ``{name:columns}`` fragment of the dialect's statements, by name."""
    return {
        "history_names": ", ".join(names(HISTORY_ROW)),
        "history_ddl": definitions(HISTORY_ROW, dialect),
        "label_ddl": definitions(LABEL, dialect),
    }
