"""Run fraudd's Redshift SQL on PostgreSQL: the part both share, spelled the PostgreSQL way.

A test fixture, like the wire shim: no Redshift exists in CI, so what can run on PostgreSQL runs
there, and the rest is checked for syntax and structure only (test_redshift_sql.py).

:func:`to_postgres` rewrites one Redshift statement; the rules are few and explicit:

* table attributes PostgreSQL has no use for are dropped: ``DISTSTYLE``, ``DISTKEY (...)``,
  ``[COMPOUND|INTERLEAVED] SORTKEY (...)``, column ``ENCODE ...``;
* types: ``SUPER`` -> ``jsonb``, ``VARBYTE(n)`` -> ``bytea``;
* functions: ``GETDATE()`` -> ``clock_timestamp()``; ``JSON_PARSE(x)`` -> ``<schema>.json_parse(x)``
  (a SQL function :data:`JSON_PARSE_FUNCTION` the test creates: text -> jsonb).

Statements with no PostgreSQL counterpart (``CREATE EXTERNAL SCHEMA ... FROM KINESIS``, the
streaming materialized view, ``SET``/``RESET enable_case_sensitive_identifier``, and the view over
the streaming view that uses ``CAN_JSON_PARSE``) return None: :data:`REDSHIFT_ONLY` names them.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fraudd.settings import Settings
from fraudd.warehouse import Connection, Pool, Row
from fraudd.warehouse.migrate import identifiers
from fraudd.warehouse.sqlfiles import load_migrations, render, split_statements

REDSHIFT_ONLY = (
    re.compile(r"^\s*CREATE\s+EXTERNAL\s+SCHEMA\b", re.I),
    re.compile(r"^\s*CREATE\s+MATERIALIZED\s+VIEW\b", re.I),
    re.compile(r"^\s*(SET|RESET)\s+enable_case_sensitive_identifier\b", re.I),
    re.compile(r"\bCAN_JSON_PARSE\s*\(", re.I),
)
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bDISTSTYLE\s+(KEY|ALL|EVEN|AUTO)\b", re.I), ""),
    (re.compile(r"\bDISTKEY\s*\([^)]*\)", re.I), ""),
    (re.compile(r"\b(COMPOUND\s+|INTERLEAVED\s+)?SORTKEY\s*\([^)]*\)", re.I), ""),
    (re.compile(r"\bENCODE\s+\w+", re.I), ""),
    (re.compile(r"\bSUPER\b"), "jsonb"),
    (re.compile(r"\bVARBYTE\s*\(\s*\d+\s*\)", re.I), "bytea"),
    (re.compile(r"\bGETDATE\(\)", re.I), "clock_timestamp()"),
)
_JSON_PARSE = re.compile(r"(?<![.\w])JSON_PARSE\(", re.I)
JSON_PARSE_FUNCTION = (
    "CREATE FUNCTION {schema}.json_parse(value text) RETURNS jsonb "
    "LANGUAGE sql IMMUTABLE STRICT AS 'SELECT value::jsonb'"
)


async def run_redshift_migrations(conn: Connection, settings: Settings) -> None:
    """Every statement of the Redshift migrations that PostgreSQL can run (:func:`to_postgres`),
    in ``settings``' schema, which must exist, and the ``json_parse`` function they call."""
    schema = settings.warehouse.schema_name
    for migration in load_migrations("redshift"):
        for statement in split_statements(render(migration.sql, **identifiers(settings))):
            pg = to_postgres(statement, schema)
            if pg is not None:
                await conn.execute(pg)
    await conn.execute(render(JSON_PARSE_FUNCTION, schema=schema))


def _code_only(statement: str) -> str:
    return re.sub(r"--[^\n]*", "", statement)


def to_postgres(statement: str, schema: str) -> str | None:
    """``statement`` (Redshift) as PostgreSQL runs it, or None when it is Redshift-only."""
    code = _code_only(statement)
    if any(p.search(code) for p in REDSHIFT_ONLY):
        return None
    for pattern, replacement in _RULES:
        code = pattern.sub(replacement, code)
    return _JSON_PARSE.sub(f"{schema}.json_parse(", code)


class PgSubsetConnection:
    """A connection that rewrites every statement with :func:`to_postgres` before running it."""

    def __init__(self, conn: Connection, schema: str, seen: list[str]) -> None:
        self._conn = conn
        self._schema = schema
        self._seen = seen

    def _pg(self, sql: str) -> str:
        self._seen.append(sql)
        rewritten = to_postgres(sql, self._schema)
        if rewritten is None:
            raise AssertionError(f"Redshift-only statement reached the PostgreSQL stand-in: {sql}")
        return rewritten

    async def execute(self, sql: str, *args: Any) -> int:
        return await self._conn.execute(self._pg(sql), *args)

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        await self._conn.executemany(self._pg(sql), rows)

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        return await self._conn.fetch(self._pg(sql), *args)

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        return await self._conn.fetchrow(self._pg(sql), *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        return await self._conn.fetchval(self._pg(sql), *args)

    def __getattr__(self, name: str) -> Any:  # transaction(), copy_rows(), ...
        return getattr(self._conn, name)


class PgSubsetWarehouse:
    """A warehouse whose connections are :class:`PgSubsetConnection` (dialect stays redshift)."""

    def __init__(self, warehouse: Pool) -> None:
        self._warehouse = warehouse
        self.dialect = warehouse.dialect
        self.schema = warehouse.schema
        self.seen: list[str] = []  # every statement, as sent (before the rewrite)

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[PgSubsetConnection]:
        async with self._warehouse.acquire() as conn:
            yield PgSubsetConnection(conn, self.schema, self.seen)

    async def ping(self) -> bool:
        return await self._warehouse.ping()

    async def close(self) -> None:
        await self._warehouse.close()


# --------------------------------------------------------------------------- Redshift mode DDL
# The schema Redshift mode runs on: made by fraudd's own migrate() from the Redshift migrations,
# each statement spelled for PostgreSQL the way Redshift makes it (RedshiftDdlConnection):
# * PRIMARY KEY and UNIQUE are dropped: Redshift declares them but does not enforce them
#   ("Unsupported PostgreSQL features": "Unique, primary key, and foreign key constraints are
#   permitted, but they are informational only. They are not enforced by the system");
# * no indexes ("Indexes" are on the same page), except a BRIN index on the columns a statement
#   declares as SORTKEY: zone maps on the sort key are how Redshift prunes blocks, and BRIN
#   (block-range min/max) is PostgreSQL's nearest analogue; and BRIN on the streaming view's two
#   timestamps, which its append-only order keeps as prunable as a sort key (STREAM_ZONE_MAPS);
# * the streaming materialized view becomes the stand-in table STREAM_STAND_IN, with the types
#   of Redshift's Kinesis metadata columns (see there);
# * GETDATE(), JSON_PARSE, CAN_JSON_PARSE, LEN and VARBYTE(n) in runtime statements stay as
#   written: the session's search path starts with COMPAT_SCHEMA, whose functions and type
#   behave like Redshift's (COMPAT_FUNCTIONS).

COMPAT_SCHEMA = "rs_compat"
COMPAT_FUNCTIONS = (
    f"CREATE SCHEMA IF NOT EXISTS {COMPAT_SCHEMA}",
    # GETDATE(): "returns the current date and time in the current session time zone (UTC by
    # default). It returns the start date or time of the current statement"; return type
    # TIMESTAMP, no fractional seconds in the documented example (r_GETDATE.html).
    f"CREATE OR REPLACE FUNCTION {COMPAT_SCHEMA}.getdate() RETURNS timestamp LANGUAGE sql "
    "STABLE AS $$SELECT date_trunc('second', "
    "statement_timestamp() AT TIME ZONE current_setting('TimeZone'))$$",
    f"CREATE OR REPLACE FUNCTION {COMPAT_SCHEMA}.json_parse(value text) RETURNS jsonb "
    "LANGUAGE sql IMMUTABLE STRICT AS $$SELECT value::jsonb$$",
    f"CREATE OR REPLACE FUNCTION {COMPAT_SCHEMA}.json_parse(value bytea) RETURNS jsonb "
    "LANGUAGE sql IMMUTABLE STRICT AS $$SELECT convert_from(value, 'UTF8')::jsonb$$",
    f"CREATE OR REPLACE FUNCTION {COMPAT_SCHEMA}.can_json_parse(value text) RETURNS boolean "
    "LANGUAGE plpgsql IMMUTABLE STRICT AS "
    "$$BEGIN PERFORM value::jsonb; RETURN true; EXCEPTION WHEN others THEN RETURN false; END$$",
    f"CREATE OR REPLACE FUNCTION {COMPAT_SCHEMA}.can_json_parse(value bytea) RETURNS boolean "
    "LANGUAGE plpgsql IMMUTABLE STRICT AS $$BEGIN PERFORM convert_from(value, 'UTF8')::jsonb; "
    "RETURN true; EXCEPTION WHEN others THEN RETURN false; END$$",
    f"CREATE OR REPLACE FUNCTION {COMPAT_SCHEMA}.len(value text) RETURNS integer "
    "LANGUAGE sql IMMUTABLE STRICT AS $$SELECT length(value)$$",
    f"GRANT USAGE ON SCHEMA {COMPAT_SCHEMA} TO PUBLIC",
    # VARBYTE(n) as statements write it (the daemon's staging TEMP tables): a type stored and
    # sent exactly like bytea, with varchar's length modifier, a length check on assignment,
    # and implicit casts both ways. (The I/O functions are bytea's own, so this takes the
    # superuser; the migrations' VARBYTE columns are plain bytea.)
    f"""DO $$BEGIN
    IF to_regtype('{COMPAT_SCHEMA}.varbyte') IS NULL THEN
        CREATE TYPE {COMPAT_SCHEMA}.varbyte;
        CREATE FUNCTION {COMPAT_SCHEMA}.varbyte_in(cstring) RETURNS {COMPAT_SCHEMA}.varbyte
            AS 'byteain' LANGUAGE internal IMMUTABLE STRICT;
        CREATE FUNCTION {COMPAT_SCHEMA}.varbyte_out({COMPAT_SCHEMA}.varbyte) RETURNS cstring
            AS 'byteaout' LANGUAGE internal IMMUTABLE STRICT;
        CREATE FUNCTION {COMPAT_SCHEMA}.varbyte_recv(internal) RETURNS {COMPAT_SCHEMA}.varbyte
            AS 'bytearecv' LANGUAGE internal IMMUTABLE STRICT;
        CREATE FUNCTION {COMPAT_SCHEMA}.varbyte_send({COMPAT_SCHEMA}.varbyte) RETURNS bytea
            AS 'byteasend' LANGUAGE internal IMMUTABLE STRICT;
        CREATE TYPE {COMPAT_SCHEMA}.varbyte (
            INPUT = {COMPAT_SCHEMA}.varbyte_in, OUTPUT = {COMPAT_SCHEMA}.varbyte_out,
            RECEIVE = {COMPAT_SCHEMA}.varbyte_recv, SEND = {COMPAT_SCHEMA}.varbyte_send,
            TYPMOD_IN = varchartypmodin, TYPMOD_OUT = varchartypmodout, LIKE = bytea);
        CREATE CAST ({COMPAT_SCHEMA}.varbyte AS bytea) WITHOUT FUNCTION AS IMPLICIT;
        CREATE CAST (bytea AS {COMPAT_SCHEMA}.varbyte) WITHOUT FUNCTION AS IMPLICIT;
        CREATE FUNCTION {COMPAT_SCHEMA}.varbyte_length(value {COMPAT_SCHEMA}.varbyte,
                                                       typmod integer, explicit boolean)
            RETURNS {COMPAT_SCHEMA}.varbyte LANGUAGE plpgsql IMMUTABLE STRICT AS $f$BEGIN
                IF typmod >= 4 AND octet_length(value::bytea) > typmod - 4 THEN
                    RAISE EXCEPTION 'value too long for type varbyte(%)', typmod - 4
                        USING ERRCODE = '22001';
                END IF;
                RETURN value;
            END$f$;
        CREATE CAST ({COMPAT_SCHEMA}.varbyte AS {COMPAT_SCHEMA}.varbyte)
            WITH FUNCTION {COMPAT_SCHEMA}.varbyte_length({COMPAT_SCHEMA}.varbyte, integer, boolean)
            AS IMPLICIT;
    END IF;
END$$""",
)

# The streaming view's stand-in: a table, filled the way streaming ingestion fills the view
# (tests/redshift/mode.py, RedshiftModeEnv.ingest). Metadata column types as the table of
# Redshift's "Streaming ingestion behavior and data types" lists them for Kinesis
# (https://docs.aws.amazon.com/redshift/latest/dg/materialized-view-streaming-ingestion.html):
# approximate_arrival_timestamp and refresh_time are timestamp WITHOUT time zone, so the driver
# returns naive datetimes; partition_key varchar(256); shard_id char(20); sequence_number
# varchar(128); kinesis_data varbyte (bytea here). payload is the view's own SUPER column.
# The stored copies of that page the team can search lack the table itself (only its prose),
# so these types are also the first item of the runbook's first-run checklist, where an
# operator reads them from SVV_COLUMNS on the real view.
# SYS_STREAM_SCAN_ERRORS, the system view where streaming ingestion logs the records it could not
# load (columns as the Redshift Database Developer Guide's SYS_STREAM_SCAN_ERRORS page lists
# them; fraudd reads mv_name, partition_id, position, record_time, error_code). Every user sees
# a system view, so the stand-in is readable by PUBLIC.
SYSTEM_VIEWS = (
    "CREATE SCHEMA {system}",
    """CREATE TABLE {system}.sys_stream_scan_errors (
    external_schema_name CHAR(128), stream_name CHAR(255), mv_name CHAR(128),
    transaction_id BIGINT, query_id BIGINT, partition_id CHAR(128), position CHAR(128),
    record_time TIMESTAMP WITHOUT TIME ZONE, error_code INTEGER, error_message CHAR(512)
)""",
    "GRANT USAGE ON SCHEMA {system} TO PUBLIC",
    "GRANT SELECT ON {system}.sys_stream_scan_errors TO PUBLIC",
)
# Zone maps exist for every column of every block, not only for sort keys; they prune where the
# physical order follows the column. The streaming view is appended one refresh at a time, so its
# timestamps follow the physical order, and being 8-byte values their zone maps are exact (a
# VARCHAR's zone map keeps only its first 8 bytes: 'shardId-', the leading digits of a sequence
# number, so those get none). Redshift's "Working with sort keys" explains zone maps
# (https://docs.aws.amazon.com/redshift/latest/dg/t_Sorting_data.html).
STREAM_ZONE_MAPS = ("refresh_time", "approximate_arrival_timestamp")
STREAM_COLUMNS = (
    "approximate_arrival_timestamp", "partition_key", "shard_id", "sequence_number",
    "refresh_time", "kinesis_data", "payload",
)
STREAM_STAND_IN = """CREATE TABLE {table} (
    approximate_arrival_timestamp TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    partition_key                 VARCHAR(256)                NOT NULL,
    shard_id                      CHAR(20)                    NOT NULL,
    sequence_number               VARCHAR(128)                NOT NULL,
    refresh_time                  TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    kinesis_data                  BYTEA                       NOT NULL,
    payload                       JSONB
)"""

_SKIPPED = (  # no PostgreSQL counterpart and nothing to stand in for
    re.compile(r"^\s*CREATE\s+EXTERNAL\s+SCHEMA\b", re.I),
    re.compile(r"^\s*(SET|RESET)\s+enable_case_sensitive_identifier\b", re.I),
    re.compile(r"^\s*ALTER\s+MATERIALIZED\s+VIEW\s+\S+\s+AUTO\s+REFRESH\b", re.I),
)
_CREATE_MV = re.compile(r"^\s*CREATE\s+MATERIALIZED\s+VIEW\s+([\w.]+)", re.I)
_CREATE_TABLE = re.compile(r"^\s*CREATE\s+(?:TEMP\w*\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([\w.]+)",
                           re.I)
_ALTER_SORTKEY = re.compile(
    r"^\s*ALTER\s+(?:TABLE|MATERIALIZED\s+VIEW)\s+([\w.]+)\s+ALTER\s+(?:COMPOUND\s+)?SORTKEY\b",
    re.I,
)
_SORTKEY = re.compile(r"\b(?:COMPOUND\s+|INTERLEAVED\s+)?SORTKEY\s*\(([^)]*)\)", re.I)
_KEY_CONSTRAINTS = (
    re.compile(r",\s*(?:CONSTRAINT\s+\w+\s+)?(?:PRIMARY\s+KEY|UNIQUE)\s*\([^)]*\)", re.I),
    re.compile(r"\s+(?:PRIMARY\s+KEY|UNIQUE)\b", re.I),
)


def _brin(table: str, columns: str) -> list[str]:
    name = table.split(".")[-1] + "_sortkey_brin"
    schema = table.split(".")[0] + "." if "." in table else ""
    return [f"DROP INDEX IF EXISTS {schema}{name}",
            f"CREATE INDEX {name} ON {table} USING brin ({columns.strip()})"]


def redshift_mode_ddl(statement: str) -> list[str]:
    """What PostgreSQL runs for one Redshift statement in Redshift mode (see above)."""
    code = _code_only(statement)
    if any(p.search(code) for p in _SKIPPED):
        return []
    sortkey = _SORTKEY.search(code)
    if (view := _CREATE_MV.match(code)) is not None:
        found = re.findall(r"\bAS\s+(\w+)\s*(?:,|\bFROM\b)", code, re.I)
        stand_in = [STREAM_STAND_IN.format(table=view.group(1))] + [
            f"CREATE INDEX {column}_zone_map ON {view.group(1)} USING brin ({column})"
            for column in STREAM_ZONE_MAPS
        ]
        unknown = set(found) - set(STREAM_COLUMNS)
        if unknown:
            raise AssertionError(f"streaming view selects columns the stand-in lacks: {unknown}")
        return stand_in + (_brin(view.group(1), sortkey.group(1)) if sortkey else [])
    if (altered := _ALTER_SORTKEY.match(code)) is not None and sortkey is not None:
        return _brin(altered.group(1), sortkey.group(1))
    table = _CREATE_TABLE.match(code)
    if table is None:
        return [code]
    for pattern, replacement in _RULES:
        if replacement == "clock_timestamp()":
            continue  # GETDATE() is a compat function in Redshift mode
        code = pattern.sub(replacement, code)
    for pattern in _KEY_CONSTRAINTS:
        code = pattern.sub("", code)
    return [code] + (_brin(table.group(1), sortkey.group(1)) if sortkey else [])


class RedshiftDdlConnection:
    """A connection that runs :func:`redshift_mode_ddl` of every statement (for migrate())."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, *args: Any) -> int:
        count = 0
        for statement in redshift_mode_ddl(sql) if not args else [sql]:
            count = await self._conn.execute(statement, *args)
        return count

    def __getattr__(self, name: str) -> Any:  # fetch(), transaction(), ...
        return getattr(self._conn, name)


class RedshiftDdlWarehouse:
    """A pool whose connections are :class:`RedshiftDdlConnection` (dialect redshift)."""

    def __init__(self, warehouse: Pool) -> None:
        self._warehouse = warehouse
        self.dialect = warehouse.dialect
        self.schema = warehouse.schema

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[RedshiftDdlConnection]:
        async with self._warehouse.acquire() as conn:
            yield RedshiftDdlConnection(conn)

    async def ping(self) -> bool:
        return await self._warehouse.ping()

    async def close(self) -> None:
        await self._warehouse.close()
