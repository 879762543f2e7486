"""SQL files: where they live, which migrations a dialect has, and how identifiers are spliced in.

Layout (``fraudd/warehouse/sql/``, package data, so the installed wheel carries it)::

    sql/common/NNNN_name.sql            migrations shared by every dialect
    sql/<dialect>/NNNN_name.sql         dialect migrations; same NNNN overrides the common file
    sql/common/tables.toml              the tables, once for both dialects; a migration creates
                                        one with ``/*create_table:<name>*/`` (:mod:`.tables`)
    sql/<dialect>/superseded.toml       checksums of earlier texts of a migration that state
                                        the same schema (accepted as applied)
    sql/common/queries/<name>.sql       named queries shared by every dialect
    sql/<dialect>/queries/<name>.sql    dialect queries; override the common file of that name;
                                        a query may include another, see :func:`load_query`
    sql/common/statements/<area>.sql    the seam's statements of one area, each after a
    sql/<dialect>/statements/<area>.sql ``-- name: <name>`` line; a dialect's statement
                                        overrides the common one of that name

Placeholders are ``{name}`` with ``name`` in ``[a-z_]+``. Only identifiers are rendered this way
(invariant 7): each value must be a plain lower-case SQL identifier, and a placeholder nobody
supplied is an error, so a typo cannot reach the server. Other braces (JSON ``'{}'``, array
literals with commas) are left alone. Values always travel as bound ``%s`` parameters.

Redshift DDL takes no bind parameters, so a few configured names are spliced in another form,
chosen by the placeholder (each value is checked against that form's pattern where it is used):

    {name:quoted}     a double-quoted name, e.g. a Kinesis stream "fraudd-transactions"
    {name:literal}    a single-quoted string, e.g. an S3 bucket (no quote, backslash or space)
    {name:iam_role}   ``default`` as the keyword, anything else as a quoted ARN

Column lists and definitions derived from :mod:`fraudd.columns` are spliced in as
``{name:columns}`` (names, types, parentheses, commas and bind markers such as ``%b::text[]``);
:func:`load_statement` supplies them (:mod:`fraudd.warehouse.columns`), so a statement that
stages transactions cannot disagree with the table of columns. The issuer's declared fields come
as ``{own_*:columns}`` fragments, empty unless the caller passes the declared ones (``Statements``
does).
"""

from __future__ import annotations

import functools
import hashlib
import re
import tomllib
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from fraudd.settings import SqlIdentifier
from fraudd.warehouse.base import Dialect, Migration
from fraudd.warehouse.columns import fragments
from fraudd.warehouse.tables import Table, load_catalog

_PLACEHOLDER = re.compile(r"\{([a-z_]+)(?::([a-z_]+))?\}")
_QUOTED = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
_LITERAL = re.compile(r"^[A-Za-z0-9_.:/@+=,-]{1,2048}$")
_COLUMNS = re.compile(r"^[A-Za-z0-9_(), .%:\[\]]{0,4096}$")
_MIGRATION_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_QUERY_NAME = re.compile(r"^[a-z0-9_]+$")
_INCLUDE = re.compile(r"^/\*include:([a-z0-9_]+)\*/$")
_CREATE_TABLE = re.compile(r"^/\*create_table:([a-z_]+)\*/$")
SUPERSEDED = "superseded.toml"
_IDENTIFIER: TypeAdapter[str] = TypeAdapter(SqlIdentifier)
COMMON = "common"


def sql_dir(root: Path | None = None) -> Path:
    """The ``sql/`` directory: ``root`` when given, else the package's own ``sql/``."""
    return root if root is not None else Path(__file__).resolve().parent / "sql"


def validate_identifier(value: str) -> str:
    """Return ``value`` if it is a plain lower-case SQL identifier, else raise ValueError."""
    try:
        return _IDENTIFIER.validate_python(value)
    except ValidationError:
        raise ValueError(f"not a valid SQL identifier: {value!r}") from None


def _quoted(value: str) -> str:
    if not _QUOTED.fullmatch(value):
        raise ValueError(f"not a safe quoted name: {value!r}")
    return f'"{value}"'


def _literal(value: str) -> str:
    if not _LITERAL.fullmatch(value):
        raise ValueError(f"not a safe SQL string literal: {value!r}")
    return f"'{value}'"


def _iam_role(value: str) -> str:
    return "default" if value == "default" else _literal(value)


def _columns(value: str) -> str:
    if not _COLUMNS.fullmatch(value):
        raise ValueError(f"not a safe column list: {value!r}")
    return value


_KINDS = {
    "": validate_identifier,
    "quoted": _quoted,
    "literal": _literal,
    "iam_role": _iam_role,
    "columns": _columns,
}


def render(sql_text: str, **identifiers: str) -> str:
    """Replace ``{name}`` (or ``{name:kind}``) placeholders with checked values.

    A value is checked where it is used, in the form its placeholder asks for; an unknown name or
    kind raises KeyError, an unsafe value ValueError.
    """

    def substitute(match: re.Match[str]) -> str:
        name, kind = match.group(1), match.group(2) or ""
        if name not in identifiers:
            raise KeyError(
                f"SQL placeholder {{{name}}} has no value (known: {sorted(identifiers)})"
            )
        if kind not in _KINDS:
            raise KeyError(f"SQL placeholder {{{name}:{kind}}}: unknown kind")
        return _KINDS[kind](identifiers[name])

    return _PLACEHOLDER.sub(substitute, sql_text)


def checksum(sql_text: str) -> str:
    """SHA-256 of a migration's unrendered text (its tables' DDL in): renaming the schema is
    not a change, editing an applied table's catalog entry is."""
    return hashlib.sha256(sql_text.encode("utf-8")).hexdigest()


def _migration_files(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        return {}
    found: dict[str, Path] = {}
    for path in folder.iterdir():
        match = _MIGRATION_FILE.match(path.name)
        if match is None:
            continue
        if match.group(1) in found:
            raise ValueError(f"two migrations with version {match.group(1)} in {folder}")
        found[match.group(1)] = path
    return found


def load_migrations(dialect: Dialect, root: Path | None = None) -> list[Migration]:
    """The dialect's migrations (common ones included, dialect files win), ordered by version.

    ``sql`` is the unrendered text with its tables' DDL in (:func:`_create_tables`), which is
    what the checksum covers; :func:`render` it with the schema's identifiers. ``superseded``
    lists the checksums of earlier texts of the same migration (``<dialect>/superseded.toml``).
    """
    base = sql_dir(root)
    files = _migration_files(base / COMMON) | _migration_files(base / dialect)
    superseded = _superseded(base / dialect)
    created: dict[str, str] = {}
    migrations = []
    for version in sorted(files):
        path = files[version]
        name = _MIGRATION_FILE.match(path.name).group(2)  # type: ignore[union-attr]
        sql = _create_tables(path.read_text(encoding="utf-8"), dialect, base, created, version)
        migrations.append(Migration(version, name, sql, superseded.get(version, ())))
    return migrations


def _create_tables(
    text: str, dialect: Dialect, base: Path, created: dict[str, str], version: str
) -> str:
    """The migration's text with each ``/*create_table:name*/`` comment replaced by the
    catalog table's ``CREATE TABLE`` in ``dialect`` (:mod:`fraudd.warehouse.tables`).

    ``created`` maps each table to the version that creates it: a table is created once.
    """
    catalog = load_catalog(base / COMMON)
    parts = []
    for kind, segment in sql_segments(text):
        match = _CREATE_TABLE.match(segment) if kind == "comment" else None
        if match:
            table = match.group(1)
            if table in created:
                earlier = created[table]
                raise ValueError(f"table {table} is created twice: by {earlier} and {version}")
            created[table] = version
            segment = _catalog_table(catalog, table, dialect).create(dialect)
        parts.append(segment)
    return "".join(parts)


def text_bytes(table: str, column: str, root: Path | None = None) -> int:
    """The width of a ``varchar(n)`` column of the catalog: the most UTF-8 bytes it holds
    (Redshift counts bytes, not characters, so a limit in characters is not enough)."""
    found = next(c for c in load_catalog(sql_dir(root) / COMMON)[table].columns if c.name == column)
    match = re.fullmatch(r"varchar\((\d+)\)", found.type)
    if match is None:
        raise ValueError(f"{table}.{column} is {found.type}, not varchar(n)")
    return int(match.group(1))


def _catalog_table(catalog: dict[str, Table], name: str, dialect: Dialect) -> Table:
    if name not in catalog:
        raise ValueError(f"/*create_table:{name}*/: no table {name!r} in {COMMON}/tables.toml")
    if dialect not in catalog[name].dialects:
        raise ValueError(f"/*create_table:{name}*/: table {name!r} has no {dialect} form")
    return catalog[name]


def _superseded(folder: Path) -> dict[str, tuple[str, ...]]:
    path = folder / SUPERSEDED
    if not path.is_file():
        return {}
    return {v: tuple(sums) for v, sums in tomllib.loads(path.read_text("utf-8")).items()}


@functools.lru_cache(maxsize=256)
def _read_query(base: Path, dialect: str, name: str) -> str:
    for folder in (base / dialect / "queries", base / COMMON / "queries"):
        path = folder / f"{name}.sql"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    raise FileNotFoundError(f"no query {name!r} for dialect {dialect} under {base}")


def _composed(base: Path, dialect: str, name: str, including: tuple[str, ...] = ()) -> str:
    """The query's text with each ``/*include:other*/`` comment replaced by query ``other``."""
    if not _QUERY_NAME.fullmatch(name):
        raise ValueError(f"query name must match {_QUERY_NAME.pattern}: {name!r}")
    if name in including:
        raise ValueError(f"query {name!r} includes itself: {' -> '.join((*including, name))}")
    parts = []
    for kind, text in sql_segments(_read_query(base, dialect, name)):
        match = _INCLUDE.match(text) if kind == "comment" else None
        if match:
            text = _composed(base, dialect, match.group(1), (*including, name))
        parts.append(text)
    return "".join(parts)


def load_query(dialect: Dialect, name: str, *, root: Path | None = None, **identifiers: str) -> str:
    """Load ``queries/<name>.sql`` (dialect first, then common) and render its identifiers.

    A block comment that is exactly ``/*include:other*/`` stands for query ``other`` of the
    same dialect (looked up the same way, its own includes resolved): one piece of SQL, such as
    the feature definition, written once and used by several queries. An include inside a
    string or a ``--`` comment is text, not an include; a query that includes itself is an error.
    Files are read once per process; call this at start-up rather than per batch anyway.
    """
    return render(_composed(sql_dir(root), dialect, name), **identifiers)


_TOKEN = re.compile(
    r"""
    (?P<quote>(?<![A-Za-z0-9_])[Ee]'(?:[^'\\]|\\.|'')*'?   # E'..' with backslash escapes
             |'(?:[^']|'')*'?)                            # '..' ('' escapes itself)
   |(?P<ident>"(?:[^"]|"")*"?)
   |(?P<comment>--[^\n]*|/\*.*?(?:\*/|\Z))
   |(?P<dollar>(?<![A-Za-z0-9_$])\$(?P<tag>[A-Za-z_][A-Za-z0-9_]*|)\$.*?(?:\$(?P=tag)\$|\Z))
    """,
    re.S | re.X,
)


def sql_segments(sql_text: str) -> list[tuple[str, str]]:
    """Split SQL into ``(kind, text)`` runs: code, quote, ident, comment or dollar (body)."""
    segments: list[tuple[str, str]] = []
    position = 0
    for match in _TOKEN.finditer(sql_text):
        if match.start() > position:
            segments.append(("code", sql_text[position : match.start()]))
        kind = next(k for k in ("quote", "ident", "comment", "dollar") if match.group(k))
        segments.append((kind, match.group(0)))
        position = match.end()
    if position < len(sql_text):
        segments.append(("code", sql_text[position:]))
    return segments


def split_statements(sql_text: str) -> list[str]:
    """Split a script on top-level ``;`` (not inside quotes, comments or dollar quotes).

    Needed because the extended query protocol (redshift_connector, bound parameters) accepts one
    statement per call. Comment-only fragments are dropped.
    """
    statements: list[list[tuple[str, str]]] = [[]]
    for kind, text in sql_segments(sql_text):
        if kind != "code":
            statements[-1].append((kind, text))
            continue
        first, *rest = text.split(";")
        statements[-1].append((kind, first))
        statements.extend([("code", part)] for part in rest)
    return [
        "".join(text for _, text in parts).strip()
        for parts in statements
        if any(kind != "comment" and text.strip() for kind, text in parts)
    ]


_STATEMENT_NAME = re.compile(r"^--\s*name:\s*([a-z0-9_]+)\s*$", re.M)


def _parse_statements(path: Path) -> dict[str, str]:
    """``-- name: x`` blocks of one file (text up to the next name line, comments kept)."""
    if not path.is_file():
        return {}
    text = path.read_text(encoding="utf-8")
    parts = _STATEMENT_NAME.split(text)
    found: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        if name in found:
            raise ValueError(f"statement {name!r} appears twice in {path}")
        found[name] = body.strip().rstrip(";")
    return found


@functools.lru_cache(maxsize=64)
def _area_statements(base: Path, dialect: str, area: str) -> dict[str, str]:
    folder = "statements"
    common = _parse_statements(base / COMMON / folder / f"{area}.sql")
    return common | _parse_statements(base / dialect / folder / f"{area}.sql")


def load_statement(
    dialect: Dialect, area: str, name: str, *, root: Path | None = None, **identifiers: str
) -> str:
    """Statement ``name`` of ``statements/<area>.sql`` (dialect first, then common), rendered
    with ``identifiers`` and the dialect's column fragments (:mod:`fraudd.warehouse.columns`)."""
    for part in (area, name):
        if not _QUERY_NAME.fullmatch(part):
            raise ValueError(f"statement names must match {_QUERY_NAME.pattern}: {part!r}")
    found = _area_statements(sql_dir(root), dialect, area)
    if name not in found:
        raise KeyError(f"no statement {area}.{name} for dialect {dialect}")
    return render(found[name], **{**fragments(dialect), **identifiers})


def statement_names(dialect: Dialect, area: str, root: Path | None = None) -> list[str]:
    """Every statement name of an area in a dialect (common ones included)."""
    return sorted(_area_statements(sql_dir(root), dialect, area))
