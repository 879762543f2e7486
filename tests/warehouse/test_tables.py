"""The table catalog (fraudd.warehouse.tables): its DDL per dialect, its refusals, and the proof
that moving the CREATE TABLE statements into it changed no applied migration's schema."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from fraudd.warehouse import Pool
from fraudd.warehouse.base import Dialect
from fraudd.warehouse.sqlfiles import (
    load_migrations,
    render,
    split_statements,
    sql_dir,
)
from fraudd.warehouse.tables import Table, load_catalog

REPO = Path(__file__).resolve().parents[2]
DIALECTS: tuple[Dialect, ...] = ("postgres", "redshift")
SMALL = Table.model_validate(
    {
        "name": "cards",
        "primary_key": ("card_token",),
        "redshift": {"diststyle": "KEY", "distkey": "card_token", "sortkey": ("seen_at",)},
        "columns": (
            {"name": "card_token", "type": "varchar(64)", "required": True,
             "redshift": {"encode": "zstd"}},
            {"name": "seen_at", "type": "timestamptz", "required": True, "default": "now"},
            {"name": "state", "type": "json", "postgres": {"default": "'{}'", "check": "true"}},
        ),
    }
)  # fmt: skip


def test_a_table_is_written_in_each_dialects_spelling() -> None:
    assert SMALL.create("postgres") == (
        "CREATE TABLE {schema}.cards (\n"
        "    card_token text        NOT NULL,\n"
        "    seen_at    timestamptz DEFAULT clock_timestamp() NOT NULL,\n"
        "    state      jsonb       DEFAULT '{}' CHECK (true),\n"
        "    PRIMARY KEY (card_token)\n"
        ");"
    )
    assert SMALL.create("redshift") == (
        "CREATE TABLE {schema}.cards (\n"
        "    card_token VARCHAR(64) ENCODE zstd NOT NULL,\n"
        "    seen_at    TIMESTAMPTZ DEFAULT GETDATE() NOT NULL,\n"
        "    state      SUPER,\n"
        "    PRIMARY KEY (card_token)\n"
        ")\n"
        "DISTSTYLE KEY DISTKEY (card_token)\n"
        "COMPOUND SORTKEY (seen_at);"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"columns": ({"name": "a", "type": "varchar"},), "primary_key": ("b",)}, "not columns"),
        ({"columns": ({"name": "a", "type": "money"},)}, "unknown column type 'money'"),
        ({"columns": ({"name": "a", "type": "text", "encode": "zstd"},)}, "Extra inputs"),
        ({"columns": ({"name": "a", "type": "text", "postgres": {"encode": "x"}},)}, "Extra"),
        ({"columns": ({"name": "A;", "type": "text"},)}, "name"),
    ],
)
def test_a_wrong_entry_is_refused(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Table.model_validate({"name": "t", **change})


def _sql_root(tmp_path: Path, catalog: str, migration: str) -> Path:
    root = tmp_path / "sql"
    (root / "common").mkdir(parents=True)
    (root / "postgres").mkdir()
    (root / "common" / "tables.toml").write_text(catalog)
    (root / "postgres" / "0001_init.sql").write_text(migration)
    load_catalog.cache_clear()
    return root


CATALOG = """
[t]
columns = [{ name = "a", type = "integer" }]
[pg_only]
dialects = ["redshift"]
columns = [{ name = "a", type = "integer" }]
"""


@pytest.mark.parametrize(
    ("migration", "message"),
    [
        ("/*create_table:nope*/", "no table 'nope'"),
        ("/*create_table:pg_only*/", "has no postgres form"),
        ("/*create_table:t*/\n/*create_table:t*/", "created twice: by 0001 and 0001"),
    ],
)
def test_a_migration_naming_a_table_wrongly_is_refused(
    tmp_path: Path, migration: str, message: str
) -> None:
    root = _sql_root(tmp_path, CATALOG, migration)
    with pytest.raises(ValueError, match=message):
        load_migrations("postgres", root)


def test_a_wrong_catalog_entry_names_the_file(tmp_path: Path) -> None:
    root = _sql_root(tmp_path, '[t]\ncolumns = [{ name = "a", type = "money" }]\n', "SELECT 1")
    with pytest.raises(ValueError, match=r"(?s)tables\.toml.*unknown column type 'money'"):
        load_migrations("postgres", root)


def test_a_marker_inside_a_string_or_a_line_comment_is_text(tmp_path: Path) -> None:
    text = "SELECT '/*create_table:t*/';\n-- /*create_table:t*/\n/*create_table:t*/\n"
    [migration] = load_migrations("postgres", _sql_root(tmp_path, CATALOG, text))
    assert migration.sql.count("CREATE TABLE {schema}.t (") == 1
    assert migration.sql.startswith("SELECT '/*create_table:t*/';\n-- /*create_table:t*/\n")


def test_every_catalog_table_is_created_by_one_migration_of_each_of_its_dialects() -> None:
    for dialect in DIALECTS:
        created = "".join(m.sql for m in load_migrations(dialect))
        for key, table in load_catalog(sql_dir() / "common").items():
            count = created.count(f"CREATE TABLE {{schema}}.{table.name} (")
            assert count == (1 if dialect in table.dialects else 0), (dialect, key)


# ------------------------------------------------------------- the earlier texts, from git


def _earlier_text(dialect: Dialect, version: str, digest: str) -> str:
    """The text of migration ``version`` whose SHA-256 is ``digest``, from the git history."""
    if not (REPO / ".git").exists() or shutil.which("git") is None:
        pytest.skip("the earlier migration texts are read from the git history")
    if _git("rev-parse", "--is-shallow-repository").strip() == "true":
        pytest.skip("a shallow clone lacks the earlier migration texts")
    [path] = (REPO / "fraudd" / "warehouse" / "sql" / dialect).glob(f"{version}_*.sql")
    relative = path.relative_to(REPO).as_posix()
    commits = _git("rev-list", "HEAD", "--", relative).split()
    for commit in commits:
        text = _git("show", f"{commit}:{relative}")
        if hashlib.sha256(text.encode("utf-8")).hexdigest() == digest:
            return text
    raise AssertionError(f"no earlier {relative} has checksum {digest}")


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=True)
    return done.stdout


def _earlier(dialect: Dialect) -> dict[str, str]:
    """Version -> the earlier text of each migration with superseded checksums."""
    return {
        m.version: _earlier_text(dialect, m.version, digest)
        for m in load_migrations(dialect)
        for digest in m.superseded
    }


def _canonical_tables(sql_text: str, dialect: Dialect) -> dict[str, object]:
    """Each CREATE TABLE as (columns with type and clauses, key, table properties), however
    spelled: inline or table PRIMARY KEY, clauses in any order."""
    tables: dict[str, object] = {}
    for statement in split_statements(render(sql_text, **_NAMES)):
        tree = sqlglot.parse_one(statement, read=dialect)
        if isinstance(tree, exp.Create) and tree.kind == "TABLE":
            tables[tree.this.this.name] = _canonical(tree, dialect)
    return tables


def _canonical(tree: exp.Create, dialect: Dialect) -> object:
    key = [c.name for pk in tree.this.find_all(exp.PrimaryKey) for c in pk.expressions]
    columns = []
    for column in tree.this.find_all(exp.ColumnDef):
        kinds = {c.kind.sql(dialect) for c in column.constraints}
        if "PRIMARY KEY" in kinds:
            key.append(column.name)
        clauses = sorted(kinds - {"PRIMARY KEY", "NOT NULL"})
        columns.append((column.name, column.kind.sql(dialect), clauses, "NOT NULL" in kinds))
    props = tree.args.get("properties")
    return (
        [(n, kind, clauses, required or n in key) for n, kind, clauses, required in columns],
        sorted(key),
        sorted(p.sql(dialect) for p in props.expressions) if props else [],
    )


_NAMES = {"schema": "s", "stream_view": "tx_stream", "external_schema": "k", "stream_name": "x",
          "iam_role": "default", "auto_refresh": "no"}  # fmt: skip


@pytest.mark.parametrize("dialect", DIALECTS)
def test_each_superseded_text_creates_the_same_tables_as_todays(dialect: Dialect) -> None:
    earlier = _earlier(dialect)
    assert earlier, "the superseded checksums are those of the texts before the catalog"
    today = {m.version: m.sql for m in load_migrations(dialect)}
    for version, text in earlier.items():
        before, after = _canonical_tables(text, dialect), _canonical_tables(today[version], dialect)
        assert before and after == before, (dialect, version)


# ------------------------------------------------- the same schema on a real PostgreSQL

_STRUCTURE = [
    """SELECT table_name, column_name, ordinal_position, data_type, character_maximum_length,
              numeric_precision, numeric_scale, is_nullable, column_default
       FROM information_schema.columns WHERE table_schema = %s ORDER BY 1, 3""",
    """SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid)
       FROM pg_constraint WHERE connamespace = %s::regnamespace ORDER BY 1, 2""",
    "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = %s ORDER BY 1, 2",
    """SELECT event_object_table, trigger_name, event_manipulation, action_statement
       FROM information_schema.triggers WHERE trigger_schema = %s ORDER BY 1, 2, 3""",
]


async def _structure(wh: Pool, schema: str, texts: list[str]) -> list[list[tuple[object, ...]]]:
    async with wh.acquire() as conn:
        for text in texts:
            async with conn.transaction():
                for statement in split_statements(render(text, schema=schema, stream_view="v")):
                    await conn.execute(statement)
        found = [await conn.fetch(query, schema) for query in _STRUCTURE]
        await conn.execute(f"DROP SCHEMA {schema} CASCADE")
    return [[tuple(str(v).replace(schema, "S") for v in row) for row in rows] for rows in found]


@pytest.mark.parametrize("driver", ["psycopg"])
async def test_the_earlier_postgres_texts_and_todays_make_the_same_schema(wh: Pool) -> None:
    earlier = _earlier("postgres")
    today = load_migrations("postgres")
    before = await _structure(wh, f"{wh.schema}_a", [earlier.get(m.version, m.sql) for m in today])
    after = await _structure(wh, f"{wh.schema}_b", [m.sql for m in today])
    assert all(before) and after == before
