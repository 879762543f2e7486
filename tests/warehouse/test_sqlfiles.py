"""SQL file loading, identifier rendering and statement splitting."""

from __future__ import annotations

from pathlib import Path

import pytest

from fraudd.warehouse import sqlfiles


def test_render_replaces_known_identifiers_only() -> None:
    sql = "SELECT '{}'::jsonb, '{a,b}'::text[] FROM {schema}.{stream_view}"
    rendered = sqlfiles.render(sql, schema="fraudd", stream_view="tx_stream")
    assert rendered == "SELECT '{}'::jsonb, '{a,b}'::text[] FROM fraudd.tx_stream"


def test_render_refuses_unknown_placeholder() -> None:
    with pytest.raises(KeyError, match="tabel"):
        sqlfiles.render("SELECT * FROM {schema}.{tabel}", schema="fraudd")


@pytest.mark.parametrize("bad", ["Fraudd", "fraudd; DROP TABLE x", "a.b", "1abc", "", "a" * 64])
def test_render_refuses_unsafe_identifier_values(bad: str) -> None:
    with pytest.raises(ValueError, match="not a valid SQL identifier"):
        sqlfiles.render("SELECT 1 FROM {schema}.t", schema=bad)


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_dialect_migration_overrides_common_and_order_is_by_version(tmp_path: Path) -> None:
    _write(tmp_path, "common/0002_shared.sql", "SELECT 2")
    _write(tmp_path, "common/0001_init.sql", "SELECT 'common'")
    _write(tmp_path, "postgres/0001_init.sql", "SELECT 'postgres'")
    _write(tmp_path, "postgres/0003_more.sql", "SELECT 3")
    _write(tmp_path, "postgres/notes.txt", "ignored")
    found = sqlfiles.load_migrations("postgres", tmp_path)
    assert [(m.version, m.name, m.sql) for m in found] == [
        ("0001", "init", "SELECT 'postgres'"),
        ("0002", "shared", "SELECT 2"),
        ("0003", "more", "SELECT 3"),
    ]
    assert [m.version for m in sqlfiles.load_migrations("redshift", tmp_path)] == ["0001", "0002"]


def test_duplicate_version_in_one_folder_is_an_error(tmp_path: Path) -> None:
    _write(tmp_path, "postgres/0001_a.sql", "SELECT 1")
    _write(tmp_path, "postgres/0001_b.sql", "SELECT 1")
    with pytest.raises(ValueError, match="two migrations with version 0001"):
        sqlfiles.load_migrations("postgres", tmp_path)


def test_load_query_prefers_dialect_then_common(tmp_path: Path) -> None:
    _write(tmp_path, "common/queries/features.sql", "SELECT 'common' FROM {schema}.t")
    _write(tmp_path, "redshift/queries/features.sql", "SELECT 'redshift' FROM {schema}.t")
    assert sqlfiles.load_query("postgres", "features", root=tmp_path, schema="s") == (
        "SELECT 'common' FROM s.t"
    )
    assert sqlfiles.load_query("redshift", "features", root=tmp_path, schema="s") == (
        "SELECT 'redshift' FROM s.t"
    )
    with pytest.raises(FileNotFoundError):
        sqlfiles.load_query("postgres", "nope", root=tmp_path)
    with pytest.raises(ValueError, match="query name"):
        sqlfiles.load_query("postgres", "../postgres/0001_init", root=tmp_path)


def test_load_query_includes_other_queries_of_the_dialect(tmp_path: Path) -> None:
    _write(tmp_path, "common/queries/outer.sql", "SELECT\n/*include:inner*/\nFROM {schema}.t")
    _write(tmp_path, "common/queries/inner.sql", "a, /*include:leaf*/")
    _write(tmp_path, "common/queries/leaf.sql", "'common' AS leaf")
    _write(tmp_path, "redshift/queries/leaf.sql", "'redshift' AS leaf")
    assert sqlfiles.load_query("postgres", "outer", root=tmp_path, schema="s") == (
        "SELECT\na, 'common' AS leaf\nFROM s.t"
    )
    assert "'redshift' AS leaf" in sqlfiles.load_query(
        "redshift", "outer", root=tmp_path, schema="s"
    )


def test_an_include_in_text_or_a_line_comment_is_left_alone(tmp_path: Path) -> None:
    sql = "SELECT '/*include:leaf*/' -- not /*include:leaf*/ either\n"
    _write(tmp_path, "common/queries/q.sql", sql)
    assert sqlfiles.load_query("postgres", "q", root=tmp_path) == sql


def test_bad_includes_are_errors(tmp_path: Path) -> None:
    _write(tmp_path, "common/queries/a.sql", "SELECT /*include:b*/")
    _write(tmp_path, "common/queries/b.sql", "/*include:a*/")
    _write(tmp_path, "common/queries/c.sql", "SELECT /*include:missing*/")
    with pytest.raises(ValueError, match="includes itself: a -> b -> a"):
        sqlfiles.load_query("postgres", "a", root=tmp_path)
    with pytest.raises(FileNotFoundError, match="missing"):
        sqlfiles.load_query("postgres", "c", root=tmp_path)


def test_repository_migrations_render_completely() -> None:
    migrations = sqlfiles.load_migrations("postgres")
    assert migrations and migrations[0].version == "0001"
    for migration in migrations:
        rendered = sqlfiles.render(migration.sql, schema="s1", stream_view="v1")
        assert "{schema}" not in rendered and "{stream_view}" not in rendered
        assert sqlfiles.split_statements(rendered)


def test_split_statements_respects_quotes_comments_and_dollar_quotes() -> None:
    script = """
    -- a comment; with a semicolon
    CREATE TABLE t (a text DEFAULT 'x;y', "we;ird" int);
    /* block; comment */
    INSERT INTO t VALUES ('it''s; fine', 1);
    CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;
    SELECT $$;$$;
    -- trailing comment only
    """
    statements = sqlfiles.split_statements(script)
    assert len(statements) == 4
    assert statements[0].endswith("""CREATE TABLE t (a text DEFAULT 'x;y', "we;ird" int)""")
    assert statements[1].endswith("INSERT INTO t VALUES ('it''s; fine', 1)")
    assert (
        statements[2] == "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql"
    )
    assert statements[3] == "SELECT $$;$$"


def test_checksum_is_stable_and_sees_any_edit() -> None:
    text = "CREATE TABLE {schema}.t (a int)"
    assert sqlfiles.checksum(text) == sqlfiles.checksum(str(text))
    assert len(sqlfiles.checksum(text)) == 64
    assert sqlfiles.checksum(text) != sqlfiles.checksum(text + " ")


def test_text_bytes_reads_a_varchar_width_from_the_catalog() -> None:
    """Sends a varchar column, then a column of another type: the width is what Redshift
    counts (bytes); anything but varchar(n) is an error, not a guess."""
    assert sqlfiles.text_bytes("verdicts", "note") == 2048
    assert sqlfiles.text_bytes("audit_log", "subject") == 80
    with pytest.raises(ValueError, match="not varchar"):
        sqlfiles.text_bytes("audit_log", "acted_at")
