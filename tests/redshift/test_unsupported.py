"""The list of constructs Redshift lacks (tests/redshift/unsupported.py): no .sql file the Redshift
path reads uses one, and the list finds each construct it names (and not a mention of it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fraudd.warehouse.sqlfiles import sql_dir
from tests.redshift.unsupported import MISSING, findings


def _redshift_sql_files() -> list[Path]:
    folders = (sql_dir() / "redshift", sql_dir() / "common")
    return sorted(path for folder in folders for path in folder.rglob("*.sql"))


@pytest.mark.parametrize("path", _redshift_sql_files(), ids=lambda p: str(p.relative_to(sql_dir())))
def test_no_redshift_sql_file_uses_what_redshift_lacks(path: Path) -> None:
    """Every .sql file the Redshift path reads (migrations, statements, queries, grants)."""
    assert findings(path.read_text(encoding="utf-8")) == []


# One statement per entry of the list, each using exactly that construct: the list can fail.
USES = {
    "CREATE INDEX": "CREATE INDEX i ON t (a)",
    "table partitioning": "CREATE TABLE t (a int) PARTITION BY RANGE (a)",
    "tablespaces": "CREATE TABLE t (a int) TABLESPACE fast",
    "check constraints": "CREATE TABLE t (a int CHECK (a > 0))",
    "exclusion constraints": "CREATE TABLE t (a int, EXCLUDE USING gist (a WITH =))",
    "inheritance": "CREATE TABLE t (a int) INHERITS (u)",
    "collations": "SELECT a FROM t ORDER BY a COLLATE C",
    "array constructors": "SELECT percentile_cont(ARRAY [0.5])",
    "subscript expressions": "SELECT a[1] FROM t",
    "row constructors": "SELECT ROW(1, 2)",
    "triggers": "CREATE TRIGGER x AFTER INSERT ON t EXECUTE FUNCTION f()",
    "foreign data (SQL/MED)": "CREATE FOREIGN TABLE t (a int) SERVER s",
    "table functions (unnest)": "SELECT * FROM unnest(%s)",
    "VALUES list as a constant table": "SELECT a FROM (VALUES (1)) v(a)",
    "sequences": "SELECT nextval('s')",
    "full text search": "SELECT 1 WHERE to_tsvector(a) @@ q",
    "array operators (= ANY)": "SELECT 1 FROM t WHERE id = ANY(%s)",
    "array functions": "SELECT array_length(a, 1) FROM t",
    "unsupported aggregates": "SELECT string_agg(a, ',') FROM t",
    "advisory locks": "SELECT pg_advisory_xact_lock(1)",
    "clock_timestamp()": "SELECT clock_timestamp()",
    "transaction_timestamp()": "SELECT transaction_timestamp()",
    "justify_*()": "SELECT justify_days(i) FROM t",
    "pg_sleep()": "SELECT pg_sleep(1)",
    "IS DISTINCT FROM": "SELECT 1 FROM t WHERE a IS DISTINCT FROM b",
    "div/setseed/width_bucket": "SELECT width_bucket(a, 0, 1, 10) FROM t",
    "generate_series()": "SELECT generate_series(1, 10)",
    "string functions": "SELECT format('%%s', a) FROM t",
    "array types": "CREATE TABLE t (a int [])",
    "bytea": "CREATE TABLE t (a bytea)",
    "json / jsonb": "CREATE TABLE t (a jsonb)",
    "serial types": "CREATE TABLE t (a bigserial)",
    "money": "CREATE TABLE t (a money)",
    "uuid": "CREATE TABLE t (a uuid)",
    "xml": "CREATE TABLE t (a xml)",
    "hstore": "CREATE TABLE t (a hstore)",
    "enumerated and composite types": "CREATE TYPE mood AS ENUM ('ok')",
    "network address types": "CREATE TABLE t (a inet)",
    "range types": "CREATE TABLE t (a tstzrange)",
    "bit strings": "CREATE TABLE t (a bit varying)",
    "txid_snapshot": "CREATE TABLE t (a txid_snapshot)",
    "ON CONFLICT": "INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING",
    "RETURNING": "INSERT INTO t VALUES (1) RETURNING a",
    "row locks (FOR UPDATE / SKIP LOCKED)": "SELECT a FROM t LIMIT 1 FOR UPDATE SKIP LOCKED",
    "LATERAL": "SELECT * FROM t, LATERAL (SELECT 1) x",
    "NUMERIC beyond precision 38": "CREATE TABLE t (a NUMERIC(128, 0))",
    ":: casts": "SELECT a::text FROM t",
    "make_interval()": "SELECT make_interval(days => 1)",
    "aggregate FILTER clause": "SELECT count(*) FILTER (WHERE a) FROM t",
}


@pytest.mark.parametrize("missing", MISSING, ids=lambda m: m.name)
def test_the_list_finds_each_construct_and_not_its_mention(missing: Any) -> None:
    use = USES[missing.name]
    assert f"{missing.name} ({missing.source})" in findings(use)
    quoted = use.replace("'", "")
    assert findings(f"-- {use}\nSELECT '{quoted}' AS \"{quoted}\"") == []  # prose, not use
