"""The SQL that lists the transaction's columns agrees with the table in fraudd.columns.

The migrations' tables (sql/common/tables.toml, history, never edited) and the INSERT statements
write the columns out; these
tests make a column added to the table and missed in one of them fail here, by name.
"""

from __future__ import annotations

import re

import pytest

from fraudd.columns import HISTORY_ROW, LABEL, STREAMED, TRANSACTION, Column, names
from fraudd.warehouse.base import Dialect
from fraudd.warehouse.columns import definitions
from fraudd.warehouse.sqlfiles import load_migrations, load_statement, render, sql_segments

DIALECTS: tuple[Dialect, ...] = ("postgres", "redshift")
# PostgreSQL's short names in the statements' array casts.
_ALIASES = {"float8": "double precision", "int2": "smallint", "bool": "boolean"}


def _code(sql: str) -> str:
    """The statement without comments, on one line."""
    text = "".join(t for kind, t in sql_segments(sql) if kind != "comment")
    return " ".join(text.split())


def _table(dialect: Dialect, table: str) -> dict[str, str]:
    """Column -> the rest of its definition, from the migration that creates ``table``."""
    for migration in load_migrations(dialect):
        match = re.search(rf"CREATE TABLE \{{schema\}}\.{table} \((.*?)\n\)", migration.sql, re.S)
        if match:
            lines = [ln.strip().rstrip(",") for ln in match.group(1).splitlines()]
            defs = [ln for ln in lines if ln and not ln.startswith(("PRIMARY KEY", "--"))]
            return {d.split()[0]: " ".join(d.split()[1:]) for d in defs}
    raise AssertionError(f"no migration creates {table}")


def _agrees(column: Column, definition: str, dialect: Dialect) -> bool:
    sql_type = getattr(column, dialect)
    required = "NOT NULL" in definition.upper() or "PRIMARY KEY" in definition.upper()
    return definition.upper().startswith(sql_type.upper()) and required == column.required


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(("table", "columns"), [("transactions", STREAMED), ("labels", LABEL)])
def test_the_migrations_tables_have_the_columns_and_types_of_the_table(
    dialect: Dialect, table: str, columns: tuple[Column, ...]
) -> None:
    found = _table(dialect, table)
    assert [n for n in found if n != "source"] == list(names(columns))
    wrong = [c.name for c in columns if not _agrees(c, found[c.name], dialect)]
    assert wrong == [], f"{dialect} {table}: type or NOT NULL differs from fraudd.columns"


def _insert_columns(sql: str, table: str) -> list[str]:
    match = re.search(rf"INSERT INTO \S*\.{table} \(([^)]*)\)", _code(sql))
    assert match, sql
    return [c.strip() for c in match.group(1).split(",")]


INSERTS = [
    ("postgres", "stream", "insert_transactions", "transactions", STREAMED),
    ("redshift", "stream", "insert_transactions", "transactions", STREAMED),
    ("postgres", "history", "insert_transactions", "transactions", TRANSACTION),
    ("redshift", "history", "insert_transactions", "transactions", TRANSACTION),
    ("postgres", "labels", "insert_labels", "labels", LABEL),
    ("redshift", "labels", "insert_labels", "labels", LABEL),
    ("postgres", "history", "insert_labels", "labels", LABEL),
    ("redshift", "history", "insert_labels", "labels", LABEL),
]


@pytest.mark.parametrize(("dialect", "area", "name", "table", "columns"), INSERTS)
def test_every_insert_names_the_tables_columns_in_order(
    dialect: Dialect, area: str, name: str, table: str, columns: tuple[Column, ...]
) -> None:
    sql = load_statement(dialect, area, name, schema="fraudd", view="tx_stream")
    assert _insert_columns(sql, table) == [*names(columns), "source"]


@pytest.mark.parametrize(
    ("area", "name", "columns"),
    [("stream", "insert_transactions", STREAMED), ("labels", "insert_labels", LABEL)],
)
def test_postgres_array_inserts_bind_one_array_of_the_columns_type_each(
    area: str, name: str, columns: tuple[Column, ...]
) -> None:
    sql = load_statement("postgres", area, name, schema="fraudd")
    casts = re.findall(r"%b::([a-z0-9 ]+)\[\]", _code(sql))
    assert [_ALIASES.get(t, t) for t in casts] == [c.postgres.split("(")[0] for c in columns]


def test_redshift_transaction_row_has_one_parameter_per_column() -> None:
    row = load_statement("redshift", "stream", "transaction_row")
    assert row.count("%s") == len(STREAMED)


def test_history_inserts_select_the_staged_columns_they_insert() -> None:
    sql = _code(load_statement("postgres", "history", "insert_transactions", schema="fraudd"))
    selected = re.search(r"SELECT (.*?), %s FROM fraudd_history_staging", sql)
    assert selected, sql
    assert [c.strip().removeprefix("s.") for c in selected.group(1).split(",")] == list(
        names(TRANSACTION)
    )


@pytest.mark.parametrize("dialect", DIALECTS)
def test_staging_tables_are_derived_from_the_table(dialect: Dialect) -> None:
    staging = _code(load_statement(dialect, "history", "create_staging"))
    assert (
        staging == f"CREATE TEMP TABLE fraudd_history_staging ({definitions(HISTORY_ROW, dialect)})"
    )


def test_redshift_copy_and_label_staging_are_derived_from_the_table() -> None:
    copy = _code(
        load_statement(
            "redshift",
            "history",
            "copy_staging",
            uri="s3://b/",
            iam_role="default",
            region="eu-west-1",
        )
    )
    assert f"COPY fraudd_history_staging ({', '.join(names(HISTORY_ROW))}) FROM" in copy
    labels = _code(load_statement("redshift", "labels", "stage_labels"))
    assert labels.endswith(f"(ord INTEGER, {definitions(LABEL, 'redshift')})")


def test_a_columns_placeholder_takes_names_types_and_commas() -> None:
    text = render("CREATE TEMP TABLE t ({c:columns})", c="a NUMERIC(14,2) NOT NULL, b text")
    assert text == "CREATE TEMP TABLE t (a NUMERIC(14,2) NOT NULL, b text)"


def test_a_columns_placeholder_may_be_empty_as_with_no_declared_field() -> None:
    assert render("INSERT INTO t (a{c:columns})", c="") == "INSERT INTO t (a)"


@pytest.mark.parametrize("bad", ["a); DROP TABLE x; --", "a -- b", "a 'b'", 'a "b"', "a; b"])
def test_a_columns_placeholder_refuses_anything_else(bad: str) -> None:
    with pytest.raises(ValueError, match="not a safe column list"):
        render("CREATE TEMP TABLE t ({c:columns})", c=bad)
