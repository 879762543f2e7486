"""One environment per warehouse implementation, for the contract suite.

* ``postgres``: the PostgreSQL implementation through psycopg, on the schema ``fraudd migrate``
  makes (the local stack's stand-in table for the streaming view, filled with the ingest
  operations);
* ``redshift-snapshot`` / ``redshift-serializable``: the Redshift implementation on a schema
  made from the Redshift migrations the way Redshift makes it — keys declared but not enforced,
  the streaming view's metadata columns in Redshift's types (TIMESTAMP without time zone,
  VARCHAR(128) sequence numbers, CHAR(20) shard ids) — with every session at REPEATABLE READ
  (PostgreSQL's snapshot isolation, Redshift's SNAPSHOT, the default of new databases) or
  SERIALIZABLE. Streaming ingestion is played by :meth:`ContractEnv.append`.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fraudd.deps import Deps, open_deps
from fraudd.localstack import aws as local_aws
from fraudd.metrics import create_metrics
from fraudd.settings import Role, Settings
from fraudd.warehouse import WarehouseError
from fraudd.warehouse.api.stream import StreamRecord
from fraudd.warehouse.migrate import identifiers
from fraudd.warehouse.sqlfiles import load_migrations, render, split_statements
from tests.e2e.harness import Env, make_env
from tests.redshift.pg_subset import JSON_PARSE_FUNCTION, PgSubsetWarehouse, to_postgres

IMPLEMENTATIONS = ("postgres", "redshift-snapshot", "redshift-serializable")
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


@dataclass
class ContractEnv:
    implementation: str
    env: Env
    settings: Settings
    deps: Deps
    stack: AsyncExitStack
    refreshes: int = field(default=0)

    @property
    def schema(self) -> str:
        return self.settings.warehouse.schema_name

    @property
    def redshift(self) -> bool:
        return self.implementation.startswith("redshift")

    async def rows(self, sql: str, *args: Any) -> list[Any]:
        async with self.deps.warehouse.acquire() as conn:
            return await conn.fetch(render(sql, schema=self.schema), *args)

    async def log_skipped(self, shard_id: str, sequence_number: str, code: int) -> None:
        """What streaming ingestion does with a record too large for the view: log it."""
        if self.redshift:
            sql = (
                "INSERT INTO {schema}.sys_stream_scan_errors (mv_name, partition_id, position, "
                "record_time, error_code) VALUES ('tx_stream', %s, %s, %s, %s)"
            )
            when = datetime.now(UTC).replace(tzinfo=None)
        else:
            sql = (
                "INSERT INTO {schema}.stream_scan_errors (mv_name, partition_id, position, "
                "record_time, error_code) VALUES ('tx_stream', %s, %s, %s, %s)"
            )
            when = datetime.now(UTC)
        async with self.deps.warehouse.acquire() as conn:
            await conn.execute(render(sql, schema=self.schema), shard_id, sequence_number, when,
                               code)  # fmt: skip

    async def append(self, records: Sequence[StreamRecord]) -> None:
        """What streaming ingestion does: append records with one refresh time per call."""
        if not self.redshift:
            async with self.deps.warehouse.session() as session:
                await session.append_records(records)
            return
        self.refreshes += 1
        refreshed = datetime.now(UTC).replace(tzinfo=None)
        raw = self.deps.warehouse.pool._warehouse  # type: ignore[attr-defined]
        async with raw.acquire() as conn:
            for r in records:
                arrived = r.arrived_at.astimezone(UTC).replace(tzinfo=None)
                await conn.execute(
                    render(APPEND, schema=self.schema), arrived, r.partition_key, r.shard_id,
                    r.sequence_number, refreshed, r.data,
                )  # fmt: skip


async def open_contract_env(
    local_stack: Any,
    implementation: str,
    roles: tuple[Role, ...],
    shards: int = 2,
    **sections: dict[str, Any],
) -> ContractEnv:
    """A fresh environment for one implementation; close it with ``env.stack.aclose()``."""
    env = await make_env(local_stack, shards=shards, **sections)
    settings = env.settings
    if implementation != "postgres":
        schema = f"t_rs_{uuid.uuid4().hex[:10]}"
        settings = settings.model_copy(update={
            "warehouse": settings.warehouse.model_copy(
                update={"dialect": "redshift", "schema_name": schema}
            )
        })  # fmt: skip
    stack = AsyncExitStack()
    stack.push_async_callback(_delete_stream, local_stack, settings)
    deps = await open_deps(settings, stack, roles, create_metrics())
    if implementation != "postgres":
        await _redshift_schema(deps, settings)
        deps.warehouse.pool = IsolatedPgSubset(  # type: ignore[attr-defined]
            deps.warehouse.pool,
            ISOLATION[implementation],  # type: ignore[attr-defined]
        )
    return ContractEnv(implementation, env, settings, deps, stack)


async def _delete_stream(local_stack: Any, settings: Settings) -> None:
    """Streams count against kinesalite's account shard limit (100) for the whole session."""
    client = local_aws.client("kinesis", settings, local_stack[1].kinesis_endpoint)
    with contextlib.suppress(Exception):
        await asyncio.to_thread(client.delete_stream, StreamName=settings.kinesis.stream_name)


async def _redshift_schema(deps: Deps, settings: Settings) -> None:
    """The Redshift migrations as PostgreSQL can run them, then Redshift's semantics."""
    schema = settings.warehouse.schema_name
    async with deps.warehouse.acquire() as conn:
        for migration in load_migrations("redshift"):
            for statement in split_statements(render(migration.sql, **identifiers(settings))):
                pg = to_postgres(statement, schema)
                if pg is not None:
                    await conn.execute(pg)
        await conn.execute(render(JSON_PARSE_FUNCTION, schema=schema))
        await conn.execute(render(STREAM_VIEW, schema=schema))
        await conn.execute(render(STREAM_VIEW_ZONE_MAP, schema=schema))
        await conn.execute(render(SCAN_ERRORS, schema=schema))
        for (statement,) in await conn.fetch(DROP_KEYS, schema):
            await conn.execute(statement)
