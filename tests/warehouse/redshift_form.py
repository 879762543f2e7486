"""The interim Redshift stand-in the seam's area tests (tests/warehouse/sessions.py) still use:
psycopg-spelled Redshift DDL, sessions at a set isolation level, the 16 MB limit and
PostgreSQL-only SQL refused in Python. The contract suite runs in Redshift mode instead
(tests/redshift/mode.py); moving sessions.py there too retires this module.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fraudd.warehouse import WarehouseError
from tests.redshift.pg_subset import PgSubsetWarehouse

ISOLATION = {"redshift-snapshot": "REPEATABLE READ", "redshift-serializable": "SERIALIZABLE"}

STREAM_VIEW = """
CREATE TABLE {schema}.tx_stream (
    approximate_arrival_timestamp timestamp    NOT NULL,
    partition_key                 varchar(256) NOT NULL,
    shard_id                      char(20)     NOT NULL,
    sequence_number               varchar(128) NOT NULL,
    refresh_time                  timestamp    NOT NULL,
    kinesis_data                  bytea        NOT NULL,
    payload                       jsonb
)
"""
# SYS_STREAM_SCAN_ERRORS, with its documented columns and types (the ones the product reads).
SCAN_ERRORS = """
CREATE TABLE {schema}.sys_stream_scan_errors (
    external_schema_name char(128), stream_name char(255), mv_name char(128),
    transaction_id bigint, query_id bigint, partition_id char(128), position char(128),
    record_time timestamp, error_code integer, error_message char(512)
)
"""
STREAM_VIEW_ZONE_MAP = "CREATE INDEX ON {schema}.tx_stream USING brin (refresh_time)"
APPEND = (
    "INSERT INTO {schema}.tx_stream (approximate_arrival_timestamp, partition_key, shard_id, "
    "sequence_number, refresh_time, kinesis_data) VALUES (%s, %s, %s, %s, %s, %s)"
)
DROP_KEYS = """
SELECT format('ALTER TABLE %%I.%%I DROP CONSTRAINT %%I', n.nspname, c.relname, k.conname)
FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s AND k.contype IN ('p', 'u')
"""


REDSHIFT_MAX_STATEMENT = 16 * 1024 * 1024  # "The maximum size for a single SQL statement is 16 MB"


def _wire_size(sql: str, args: Sequence[Any]) -> int:
    """The statement as it reaches Redshift: text plus parameters (bytes as hex text)."""
    size = len(sql.encode())
    for value in args:
        size += 2 * len(value) if isinstance(value, bytes) else len(str(value).encode())
    return size


# What PostgreSQL runs and Redshift does not (arrays and unnest, ON CONFLICT, RETURNING, row
# locks, leader-node-only clock_timestamp(), PostgreSQL casts of arrays): a statement of the
# Redshift implementation that uses one fails here as it would on Redshift.
POSTGRES_ONLY = re.compile(
    r"\bunnest\s*\(|\bON\s+CONFLICT\b|\bRETURNING\b|\bFOR\s+UPDATE\b|\bclock_timestamp\s*\("
    r"|=\s*ANY\s*\(|::\w+\[\]|\bmake_interval\s*\(|%b",
    re.I,
)


class LimitedConnection:
    """Refuses what Redshift refuses: a statement over its 16 MB limit, with the text Redshift
    answers ("Statement is too large. Statement Size: N bytes. Maximum Allowed: 16777216
    bytes"), and PostgreSQL-only constructs (:data:`POSTGRES_ONLY`)."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def _check(self, sql: str, args: Sequence[Any]) -> None:
        code = re.sub(r"--[^\n]*", "", sql)
        found = POSTGRES_ONLY.search(code)
        if found:
            raise WarehouseError(
                f"syntax error at or near {found.group(0)!r} (not supported by Redshift)",
                transient=False, sqlstate="42601",
            )  # fmt: skip
        size = _wire_size(sql, args)
        if size > REDSHIFT_MAX_STATEMENT:
            raise WarehouseError(
                f"Statement is too large. Statement Size: {size} bytes. "
                f"Maximum Allowed: {REDSHIFT_MAX_STATEMENT} bytes",
                transient=False, sqlstate="42601",
            )  # fmt: skip

    async def execute(self, sql: str, *args: Any) -> int:
        self._check(sql, args)
        return int(await self._conn.execute(sql, *args))

    async def fetch(self, sql: str, *args: Any) -> Any:
        self._check(sql, args)
        return await self._conn.fetch(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


class IsolatedPgSubset(PgSubsetWarehouse):
    """Every session at the given isolation level, statements limited to 16 MB."""

    def __init__(self, warehouse: Any, isolation: str) -> None:
        super().__init__(warehouse)
        self.isolation = isolation

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[Any]:
        async with super().acquire() as conn:
            await conn.execute(
                f"SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL {self.isolation}"
            )
            # Redshift's system views are found unqualified: the schema's stand-ins first.
            await conn.execute(f"SET search_path TO {self.schema}, public")
            yield LimitedConnection(conn)
