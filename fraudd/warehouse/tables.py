"""The tables fraudd creates: written once for both dialects, rendered as each dialect's DDL.

The catalog is ``sql/common/tables.toml`` (its header describes an entry and the neutral types).
A migration creates a table with a block comment ``/*create_table:<name>*/``;
:func:`fraudd.warehouse.sqlfiles.load_migrations` replaces it with the table's ``CREATE TABLE``
statement in the migration's dialect, before the migration's checksum is taken, so an applied
table definition cannot change unnoticed.

One definition per table means the two dialects cannot disagree on a table's columns, their
order, which are required or the key; what differs is spelling, and each dialect's spelling is
one class here (:class:`PostgresColumn`, :class:`RedshiftColumn` and their table options).
"""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from fraudd.settings import SqlIdentifier
from fraudd.warehouse.base import Dialect

CATALOG = "tables.toml"
_TYPE = re.compile(r"^([a-z]+)(?:\((\d+(?:,\d+)?)\))?$")
_REFERENCE = re.compile(r"^[a-z_]+ \([a-z_]+\)$")
_SAME_NAME = ("timestamptz", "date", "boolean", "smallint", "integer", "bigint")
NOW = "now"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Spelling(_Frozen):
    """What one dialect writes for a column: its types, its clock, its extra clauses."""

    TYPES: ClassVar[dict[str, str]]
    CLOCK: ClassVar[str]
    default: str | None = None

    def type_of(self, neutral: str) -> str:
        """The dialect's type for a neutral ``name`` or ``name(n)`` of the catalog."""
        match = _TYPE.match(neutral)
        if match is None or match.group(1) not in self.TYPES:
            raise ValueError(f"unknown column type {neutral!r} (known: {sorted(self.TYPES)})")
        return self.TYPES[match.group(1)].format(n=match.group(2))

    def _default(self, neutral: str | None) -> list[str]:
        value = self.default if self.default is not None else neutral
        if value is None:
            return []
        return [f"DEFAULT {self.CLOCK if value == NOW else value}"]

    def clauses(self, column: Column) -> list[str]:
        """The column's clauses after its type: DEFAULT, the dialect's storage options,
        NOT NULL, then the constraints the dialect enforces."""
        not_null = ["NOT NULL"] if column.required else []
        return [*self._default(column.default), *self._storage(), *not_null, *self._constraints()]

    def _storage(self) -> list[str]:
        return []

    def _constraints(self) -> list[str]:
        return []


class PostgresColumn(_Spelling):
    """PostgreSQL enforces what Redshift only declares: CHECK and REFERENCES live here."""

    TYPES = {
        "text": "text",
        "varchar": "text",
        "char": "text",
        "sequence": "numeric(128,0)",
        "json": "jsonb",
        "bytes": "bytea",
        "double": "double precision",
        "numeric": "numeric({n})",
        **{t: t for t in _SAME_NAME},
    }
    CLOCK = "clock_timestamp()"
    check: str | None = None
    references: str | None = Field(default=None, pattern=_REFERENCE.pattern)

    def _constraints(self) -> list[str]:
        """CHECK, then REFERENCES (same schema)."""
        extra = [f"CHECK ({self.check})"] if self.check else []
        if self.references:
            extra.append(f"REFERENCES {{schema}}.{self.references}")
        return extra


class RedshiftColumn(_Spelling):
    """Redshift's types (lengths explicit) and column compression.

    Order of clauses as documented: ``DEFAULT``, ``ENCODE``, then ``NOT NULL``
    (https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_NEW.html).
    """

    TYPES = {
        "text": "VARCHAR(256)",
        "varchar": "VARCHAR({n})",
        "char": "CHAR({n})",
        "sequence": "VARCHAR(128)",
        "json": "SUPER",
        "bytes": "VARBYTE({n})",
        "double": "DOUBLE PRECISION",
        "numeric": "NUMERIC({n})",
        **{t: t.upper() for t in _SAME_NAME},
    }
    CLOCK = "GETDATE()"
    encode: str | None = Field(default=None, pattern=r"^[a-z0-9]+$")

    def _storage(self) -> list[str]:
        """ENCODE, between DEFAULT and NOT NULL."""
        return [f"ENCODE {self.encode}"] if self.encode else []


class Column(_Frozen):
    """One column of a catalog table: neutral type, requiredness, default, dialect options."""

    name: SqlIdentifier
    type: str = Field(pattern=_TYPE.pattern)
    required: bool = False
    default: str | None = None
    postgres: PostgresColumn = PostgresColumn()
    redshift: RedshiftColumn = RedshiftColumn()

    @model_validator(mode="after")
    def _type_is_known(self) -> Column:
        self.postgres.type_of(self.type)
        self.redshift.type_of(self.type)
        return self

    def definition(self, dialect: Dialect) -> tuple[str, str, str]:
        """``(name, type, clauses)`` in the dialect's spelling."""
        spelling: _Spelling = getattr(self, dialect)
        return self.name, spelling.type_of(self.type), " ".join(spelling.clauses(self))


class PostgresTable(_Frozen):
    """PostgreSQL takes no table attributes here: its indexes are the migrations' own SQL."""

    def attributes(self) -> list[str]:
        """Nothing after the closing parenthesis."""
        return []


class RedshiftTable(_Frozen):
    """The distribution style and key and the compound sort key."""

    diststyle: Literal["AUTO", "EVEN", "KEY", "ALL"] = "AUTO"
    distkey: SqlIdentifier | None = None
    sortkey: tuple[SqlIdentifier, ...] = ()

    def attributes(self) -> list[str]:
        """``DISTSTYLE … [DISTKEY (…)]`` and ``COMPOUND SORTKEY (…)`` lines."""
        distkey = f" DISTKEY ({self.distkey})" if self.distkey else ""
        lines = [f"DISTSTYLE {self.diststyle}{distkey}"]
        if self.sortkey:
            lines.append(f"COMPOUND SORTKEY ({', '.join(self.sortkey)})")
        return lines


class Table(_Frozen):
    """One table of the catalog (see the header of ``sql/common/tables.toml``)."""

    name: str = Field(pattern=r"^(\{[a-z_]+\}|[a-z_]+)$")
    dialects: tuple[Dialect, ...] = ("postgres", "redshift")
    primary_key: tuple[SqlIdentifier, ...] = ()
    postgres: PostgresTable = PostgresTable()
    redshift: RedshiftTable = RedshiftTable()
    columns: tuple[Column, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _keys_are_columns(self) -> Table:
        names = {c.name for c in self.columns}
        keys = {*self.primary_key, *self.redshift.sortkey, *filter(None, [self.redshift.distkey])}
        if missing := sorted(keys - names):
            raise ValueError(f"key columns {missing} are not columns of the table")
        return self

    def create(self, dialect: Dialect) -> str:
        """The table's ``CREATE TABLE`` statement in ``dialect``, ``;`` included."""
        rows = [c.definition(dialect) for c in self.columns]
        widths = [max(len(row[i]) for row in rows) for i in (0, 1)]
        lines = [f"    {n:<{widths[0]}} {t:<{widths[1]}} {rest}".rstrip() for n, t, rest in rows]
        if self.primary_key:
            lines.append(f"    PRIMARY KEY ({', '.join(self.primary_key)})")
        layout: PostgresTable | RedshiftTable = getattr(self, dialect)
        tail = "".join(f"\n{line}" for line in layout.attributes())
        return f"CREATE TABLE {{schema}}.{self.name} (\n" + ",\n".join(lines) + f"\n){tail};"


@functools.lru_cache(maxsize=8)
def load_catalog(folder: Path) -> dict[str, Table]:
    """The catalog in ``folder`` (``sql/common``), by table; none there is an empty catalog."""
    path = folder / CATALOG
    if not path.is_file():
        return {}
    entries = tomllib.loads(path.read_text(encoding="utf-8"))
    try:
        return {key: Table.model_validate({"name": key} | entry) for key, entry in entries.items()}
    except ValidationError as error:
        raise ValueError(f"{path}: {error}") from None
