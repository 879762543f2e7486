"""The issuer's own fields: declared once, in the settings or in a fields file they point at.

A fields file is TOML, one table per field, as ``fraudd/warehouse/sql/common/tables.toml`` has one
per table::

    [merchant_country]
    type = "string"          # string | number | boolean | timestamp
    required = false         # a swipe or history row without it is refused
    description = "ISO 3166-1 alpha-2 country of the merchant"

The same tables may stand in the settings themselves, under ``[fields.declared.<name>]``; a
name declared twice, differently, is an error. What a declared field means on the wire, in the
warehouse and in a history file is :mod:`fraudd.fields`'s business; this module only validates
the declaration.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Final, Literal, Self

from pydantic import Field, model_validator

from fraudd.columns import HISTORY_ROW, STREAMED, names
from fraudd.settings.base import Section, SqlIdentifier

FieldType = Literal["string", "number", "boolean", "timestamp"]
_WIRE: Final[dict[str, type]] = {
    "string": str,
    "number": float,
    "boolean": bool,
    "timestamp": datetime,
}


def wire_type(field_type: FieldType) -> type:
    """The Python type a value of ``field_type`` has once checked (:mod:`fraudd.fields`)."""
    return _WIRE[field_type]


MAX_FIELDS: Final[int] = 64
RESERVED: Final[frozenset[str]] = frozenset(
    {*names(STREAMED), *names(HISTORY_ROW), "source", "schema_version", "fields", "label_time"}
)
"""Names a declared field may not take: the built-in columns and the wire record's own keys."""


class OwnField(Section):
    """One declared field: its name, type, whether a value is required, what it means."""

    name: SqlIdentifier
    type: FieldType
    required: bool = False
    description: str = Field(min_length=1, max_length=500)


class FieldsSettings(Section):
    """``[fields]``: ``file`` (a fields file) and/or ``declared`` (the same tables inline)."""

    file: Path | None = None
    declared: tuple[OwnField, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _read(cls, data: Any) -> Any:
        """Tables (inline or from ``file``) to a tuple of :class:`OwnField`, in file order."""
        if not isinstance(data, Mapping):
            return data
        declared = data.get("declared", ())
        inline = _named(declared) if isinstance(declared, Mapping) else list(declared)
        from_file = _named(_read_file(Path(data["file"]))) if data.get("file") else []
        return {**data, "declared": _once([*from_file, *inline])}

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        seen: set[str] = set()
        for field in self.declared:
            if field.name in RESERVED:
                raise ValueError(f"field {field.name!r} is a built-in column; choose another name")
            if field.name in seen:
                raise ValueError(f"field {field.name!r} is declared twice")
            seen.add(field.name)
        if len(seen) > MAX_FIELDS:
            raise ValueError(f"at most {MAX_FIELDS} fields may be declared")
        return self


def _named(tables: Mapping[str, Any]) -> list[Any]:
    """``{name: {type, ...}}`` to ``[{name, type, ...}]`` (an entry already validated passes)."""
    return [
        {**table, "name": name} if isinstance(table, Mapping) else table
        for name, table in tables.items()
    ]


def _once(entries: list[Any]) -> list[Any]:
    """``entries`` without repeats of one declaration: a variant of the settings (``derive``)
    carries the file's fields inline as well as the file. Two different declarations of one
    name both stay, for :meth:`FieldsSettings._distinct` to refuse."""
    seen: list[Any] = []
    for entry in entries:
        if _normal(entry) not in map(_normal, seen):
            seen.append(entry)
    return seen


def _normal(entry: Any) -> Any:
    """A declaration as a comparable mapping (defaults filled in)."""
    if isinstance(entry, OwnField):
        return entry.model_dump()
    return {"required": False, **entry} if isinstance(entry, Mapping) else entry


def _read_file(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"fields file {path}: cannot read ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"fields file {path}: not valid TOML ({exc})") from None
