"""The transaction's columns (:mod:`fraudd.columns`) as SQL fragments for the statements.

A statement writes ``{history_ddl:columns}`` where the staging table's column definitions go,
``{history_names:columns}`` where its column list goes; :func:`fraudd.warehouse.sqlfiles.
load_statement` supplies them in the statement's dialect. The staging tables thus have the same
columns and types as the table in :mod:`fraudd.columns`, which the migrations' ``transactions``
and ``labels`` tables are checked against (``tests/warehouse/test_columns.py``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

from fraudd import fields
from fraudd.columns import HISTORY_ROW, LABEL, Column, Field, names
from fraudd.fields import MAX_TEXT
from fraudd.settings import OwnField
from fraudd.warehouse.base import Dialect


def definitions(columns: Iterable[Column], dialect: Dialect) -> str:
    """``name TYPE [NOT NULL], ...`` in the dialect's types."""
    return ", ".join(
        f"{c.name} {getattr(c, dialect)}{' NOT NULL' if c.required else ''}" for c in columns
    )


@functools.cache
def fragments(dialect: Dialect) -> dict[str, str]:
    """Every ``{name:columns}`` fragment of the dialect's statements, by name; the declared
    fields' (:func:`own_fragments`) empty, as when none are declared."""
    return {
        "history_names": ", ".join(names(HISTORY_ROW)),
        "history_ddl": definitions(HISTORY_ROW, dialect),
        "label_ddl": definitions(LABEL, dialect),
        **dict(own_fragments(dialect, ())),
    }


CATALOG_TYPES: dict[str, frozenset[str]] = {
    "text": frozenset({"text", "character varying"}),
    f"VARCHAR({MAX_TEXT})": frozenset({"text", "character varying"}),
    "double precision": frozenset({"double precision"}),
    "DOUBLE PRECISION": frozenset({"double precision"}),
    "boolean": frozenset({"boolean"}),
    "BOOLEAN": frozenset({"boolean"}),
    "timestamptz": frozenset({"timestamp with time zone"}),
    "TIMESTAMPTZ": frozenset({"timestamp with time zone"}),
}
"""A declared field's column type (:func:`fraudd.fields.column`) as ``information_schema``
names it on both dialects: what ``fraudd migrate`` compares an existing column with."""


def own_fragments(dialect: Dialect, declared: Sequence[OwnField]) -> tuple[tuple[str, str], ...]:
    """The ``{own_*:columns}`` fragments of the declared fields (each empty when none are):
    ``own_names`` (``, a, b``), ``own_staged`` (``, s.a, s.b``), ``own_ddl`` (definitions),
    ``own_arrays`` (PostgreSQL's ``unnest`` arguments), ``own_params`` (one ``%s`` each)."""
    own = fields.columns(declared)
    lead = ", " if own else ""
    arrays = ", ".join(f"%b::{fields.ARRAY_TYPES[f.type]}" for f in declared)
    return (
        ("own_names", lead + ", ".join(names(own))),
        ("own_staged", lead + ", ".join(f"s.{c.name}" for c in own)),
        ("own_ddl", lead + definitions(own, dialect)),
        ("own_arrays", lead + arrays),
        ("own_params", lead + ", ".join("%s" for _ in own)),
    )


def own_getters(declared: Sequence[OwnField]) -> tuple[Field, ...]:
    """What a statement binds of a swipe for each declared field, in declaration order."""
    return tuple(_getter(f.name) for f in declared)


def _getter(name: str) -> Field:
    return lambda swipe: swipe.fields.get(name)
