"""Redshift mode: the test suite's stand-in for Amazon Redshift (a pytest plugin).

The production driver (redshift_connector) talks, through the wire shim in Redshift mode
(tests/shim/redshift_shim.py), to PostgreSQL holding a schema made the way Redshift makes it
(tests/redshift/pg_subset.py), as a database user holding exactly the grants the runbook gives
(fraudd/warehouse/sql/redshift/grants.sql). The fixture ``redshift_mode`` yields a
:class:`RedshiftModeEnv`: ``settings`` (dialect redshift, driver redshift_connector, the
restricted user), ``owner`` (the admin who ran the migrations and owns every object) and
``ingest()``, which appends records to the streaming view's stand-in as streaming ingestion
does. Suites that run on both implementations take the parameter ``warehouse_implementation``
(``postgres``, ``redshift-snapshot``, ``redshift-serializable``, per the option below) and open
Redshift mode themselves: ``open_redshift_mode(base_settings, redshift_cluster, level)``.
Every test in Redshift mode, and every test under tests/redshift/, is marked ``redshift``
(tests/redshift/plugin.py holds those hooks).

Each schema gets its own shim, whose sessions search the compat schema, then ``<schema>_sys``
(a stand-in of the system view SYS_STREAM_SCAN_ERRORS, which Redshift shows every user), then
public — never the schema itself, so an unqualified table name fails here as on Redshift.

Isolation: ``--redshift-isolation=snapshot|serializable|both`` (or the environment variable
``FRAUDD_TEST_REDSHIFT_ISOLATION``), default ``snapshot``, the level of new Redshift databases;
``both`` runs every Redshift-mode test once per level. ``make test`` runs both, and so does
``make test-redshift``, with only these tests (``-m redshift``).

What Redshift mode proves, on every run:
* each statement a Redshift-mode test makes the product send runs on PostgreSQL exactly as
  sent (no rewriting of runtime SQL: Redshift's functions and VARBYTE exist as compat objects),
  through the production driver, its parameter encoding and its type decoding;
* behaviour under snapshot isolation (no protection against write skew) and under
  SERIALIZABLE, with conflicts arriving in Redshift's error 1023 shape;
* no help from constraints or indexes: duplicate keys are accepted, and the only index is a
  BRIN on each declared sort key;
* Redshift's column types where they change what the driver returns: the streaming view's
  timestamps are naive (timestamp without time zone);
* statements over 16 MB are refused with Redshift's error, and the daemon's statements that use
  a construct Redshift lacks (tests/redshift/unsupported.py) are refused too;
* the daemon cannot do more than the runbook grants (it does not own the view or the tables).

What it cannot prove (checked instead by sqlglot's Redshift parser and the list of constructs
Redshift lacks, tests/redshift/test_redshift_sql.py, and by the runbook's first-run checklist):
* that Redshift accepts a statement PostgreSQL accepts: SQL that PostgreSQL has and Redshift does
  not passes here (the unsupported-constructs list catches the known ones);
* Redshift-only objects: the external schema, the streaming view itself and its refresh,
  CREATE MODEL / Redshift ML, COPY from S3;
* Redshift's planner, zone maps, distribution and cost: BRIN on PostgreSQL only resembles them,
  so timings here say nothing about Redshift's;
* Redshift's exact conflict rules: PostgreSQL detects row-level conflicts, Redshift detects them
  per table, so Redshift aborts more often than this mode does;
* semantic differences of functions both have (e.g. GETDATE()'s compat stand-in, VARCHAR
  lengths counted in bytes on Redshift, in characters here);
* the shape of errors other than 1023 and "Statement is too large": those arrive as PostgreSQL
  words them (a permission error is 42501 in both, its text differs);
* whether Redshift counts bound values towards 16 MB: the shim counts them, the safe side.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from pydantic import SecretStr

from fraudd.localstack import StackInfo
from fraudd.localstack.environment import local_environment
from fraudd.localstack.postgres import SUPERUSER, locate
from fraudd.settings import Settings, WarehouseSettings
from fraudd.warehouse import DialectWarehouse, opened_warehouse
from fraudd.warehouse.migrate import migrate
from fraudd.warehouse.sqlfiles import render, split_statements, sql_dir
from fraudd.warehouse.stream import StreamRecord
from tests.redshift.pg_subset import (
    COMPAT_FUNCTIONS,
    COMPAT_SCHEMA,
    SYSTEM_VIEWS,
    RedshiftDdlWarehouse,
)
from tests.redshift.unsupported import code_of, redshift_refusal
from tests.shim.redshift_shim import Isolation, RedshiftMode, RedshiftShim

DAEMON_ROLE = "fraudd_rs_daemon"
GRANTS = sql_dir() / "redshift" / "grants.sql"
BYTEA_OID = 17
NAME = "t_rs"
"""Redshift-mode environments are named ``...-t_rs-<tag>`` (schema ``t_rs_<tag>``)."""


# --------------------------------------------------------------------------- the cluster


@dataclass(frozen=True)
class Cluster:
    """The local stack's PostgreSQL: where it listens, its admin socket, the owner's login."""

    host: str
    port: int
    socket_dir: Path
    database: str
    owner: str
    owner_password: str
    varbyte_oid: int = 0  # the compat VARBYTE type's OID, once installed

    @classmethod
    def of(cls, settings: Settings) -> Cluster:
        wh = settings.warehouse
        return cls(
            wh.host,
            wh.port,
            locate(settings.local.state_dir).root,
            wh.database,
            wh.user,
            wh.password.get_secret_value(),
        )

    def superuser(self) -> psycopg.Connection[Any]:
        return psycopg.connect(
            host=str(self.socket_dir),
            port=self.port,
            user=SUPERUSER,
            dbname=self.database,
            autocommit=True,
        )


def prepare_cluster(settings: Settings) -> Cluster:
    """Install the compat functions and (re)create the daemon's login role; idempotent."""
    cluster = Cluster.of(settings)
    role = sql.Identifier(DAEMON_ROLE)
    with cluster.superuser() as conn:
        for statement in COMPAT_FUNCTIONS:
            conn.execute(statement)
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (DAEMON_ROLE,))
        verb = sql.SQL("ALTER" if exists.fetchone() else "CREATE")
        conn.execute(
            sql.SQL("{} ROLE {} LOGIN PASSWORD {}").format(
                verb, role, sql.Literal(cluster.owner_password)
            )
        )
        found = conn.execute(f"SELECT '{COMPAT_SCHEMA}.varbyte'::regtype::oid").fetchone()
    assert found is not None
    return replace(cluster, varbyte_oid=int(found[0]))


def drop_daemon_role(cluster: Cluster) -> None:
    role = sql.Identifier(DAEMON_ROLE)
    with cluster.superuser() as conn:
        conn.execute(sql.SQL("DROP OWNED BY {}").format(role))
        conn.execute(sql.SQL("DROP ROLE {}").format(role))


@contextmanager
def redshift_shim_for(
    cluster: Cluster, isolation: Isolation, system_schema: str | None = None
) -> Iterator[RedshiftShim]:
    """A running wire shim in Redshift mode at ``isolation``, in front of ``cluster``."""
    path = ",".join(p for p in (COMPAT_SCHEMA, system_schema, "public") if p)
    mode = RedshiftMode(
        isolation=isolation,
        search_path=path,
        hex_types=frozenset({BYTEA_OID, cluster.varbyte_oid}),
        checked_users=frozenset({DAEMON_ROLE}),
        unsupported=redshift_refusal,
    )
    shim = RedshiftShim(cluster.host, cluster.port, redshift=mode)
    shim.start()
    try:
        yield shim
    finally:
        shim.stop()


# --------------------------------------------------------------------------- one schema


@dataclass
class RedshiftModeEnv:
    """One schema in Redshift mode: the daemon's settings, the owner's, streaming ingestion."""

    settings: Settings
    owner: WarehouseSettings
    isolation: Isolation
    shim: RedshiftShim
    cluster: Cluster
    refreshes: list[datetime] = field(default_factory=list)

    @property
    def schema(self) -> str:
        return self.settings.warehouse.schema_name

    async def ingest(self, records: Sequence[StreamRecord]) -> datetime:
        """Append ``records`` as one refresh of the streaming view; return its refresh_time.

        Like a refresh: one transaction by the view's owner, every row with the same naive
        refresh_time (``record.refreshed_at`` is ignored: the refresh sets it), arrival times
        naive UTC, payload parsed once where the bytes are JSON (NULL where not).
        """
        refresh = datetime.now(UTC).replace(tzinfo=None)
        table = sql.Identifier(self.schema, self.settings.warehouse.streaming_view)
        insert = sql.SQL(
            "INSERT INTO {} (approximate_arrival_timestamp, partition_key, shard_id, "
            "sequence_number, refresh_time, kinesis_data, payload) VALUES (%s, %s, %s, %s, %s, "
            "%s, CASE WHEN {c}.can_json_parse(%s::bytea) THEN {c}.json_parse(%s::bytea) END)"
        ).format(table, c=sql.Identifier(COMPAT_SCHEMA))
        rows = [
            (
                r.arrived_at.astimezone(UTC).replace(tzinfo=None),
                r.partition_key,
                r.shard_id,
                r.sequence_number,
                refresh,
                r.data,
                r.data,
                r.data,
            )
            for r in records
        ]
        async with (
            await psycopg.AsyncConnection.connect(
                host=self.cluster.host,
                port=self.cluster.port,
                user=self.cluster.owner,
                password=self.cluster.owner_password,
                dbname=self.cluster.database,
            ) as conn,
            conn.cursor() as cur,
        ):
            await cur.executemany(insert, rows)
        self.refreshes.append(refresh)
        return refresh

    async def log_skipped(self, shard_id: str, sequence_number: str, error_code: int) -> None:
        """What streaming ingestion does with a record it cannot load: a row in
        SYS_STREAM_SCAN_ERRORS (here ``<schema>_sys.sys_stream_scan_errors``)."""
        table = sql.Identifier(f"{self.schema}_sys", "sys_stream_scan_errors")
        insert = sql.SQL(
            "INSERT INTO {} (mv_name, partition_id, position, record_time, error_code) "
            "VALUES (%s, %s, %s, %s, %s)"
        ).format(table)
        when = datetime.now(UTC).replace(tzinfo=None)
        view = self.settings.warehouse.streaming_view
        with self.cluster.superuser() as conn:
            conn.execute(insert, (view, shard_id, sequence_number, when, error_code))

    def owner_warehouse(self) -> AbstractAsyncContextManager[DialectWarehouse]:
        """The warehouse as the owner (through the same shim): for what the daemon may not do."""
        return opened_warehouse(self.settings.derive(**{"warehouse": self.owner}))


def _warehouse(cluster: Cluster, shim: RedshiftShim, user: str, schema: str) -> WarehouseSettings:
    return WarehouseSettings.model_validate(
        {
            "dialect": "redshift",
            "driver": "redshift_connector",
            "host": cluster.host,
            "port": shim.port,
            "database": cluster.database,
            "user": user,
            "password": SecretStr(cluster.owner_password),
            "sslmode": "disable",
            "schema": schema,
            "pool_size": 3,
            "statement_timeout_s": 10,
            "connect_timeout_s": 5,
        }
    )


# The runbook's grants PostgreSQL has no counterpart for (Redshift ML and system-table access);
# Redshift mode skips them, test_redshift_sql parses them.
REDSHIFT_ONLY_GRANTS = (
    re.compile(r"^GRANT\s+CREATE\s+MODEL\b", re.I),
    re.compile(r"^GRANT\s+EXECUTE\s+ON\s+MODEL\b", re.I),
    re.compile(r"^ALTER\s+USER\s+\S+\s+SYSLOG\s+ACCESS\b", re.I),
)


def grant_statements(schema: str, daemon_user: str) -> list[str]:
    """The runbook's grants (grants.sql), for ``daemon_user`` on ``schema``, comments removed."""
    text = render(GRANTS.read_text(encoding="utf-8"), schema=schema, daemon_user=daemon_user)
    return [" ".join(code_of(s).split()) for s in split_statements(text)]


def postgres_grants(schema: str, daemon_user: str) -> list[str]:
    """:func:`grant_statements` without :data:`REDSHIFT_ONLY_GRANTS`: what Redshift mode runs."""
    return [
        s
        for s in grant_statements(schema, daemon_user)
        if not any(p.match(s) for p in REDSHIFT_ONLY_GRANTS)
    ]


@dataclass
class RedshiftModeSchema:
    """The local-environment builder's schema plan for Redshift mode
    (:class:`fraudd.localstack.environment.SchemaPlan`).

    ``create``: a shim at ``isolation`` in front of ``cluster``, the environment's schema migrated
    the Redshift way by the owner, the runbook's grants given to the daemon's restricted user,
    the system-view stand-in ``<schema>_sys``; returns the settings with the daemon's warehouse
    section (``mode`` holds the rest). ``drop``: both schemas dropped, the shim stopped.
    """

    cluster: Cluster
    isolation: Isolation
    mode: RedshiftModeEnv | None = None
    _shim: ExitStack = field(default_factory=ExitStack)

    async def create(self, settings: Settings, *, fresh: bool) -> Settings:
        schema = settings.warehouse.schema_name  # unique per environment: never there before
        system = f"{schema}_sys"
        shim = self._shim.enter_context(redshift_shim_for(self.cluster, self.isolation, system))
        try:
            owner = _warehouse(self.cluster, shim, self.cluster.owner, schema)
            await _migrate(settings.derive(**{"warehouse": owner}), schema, system)
        except BaseException:
            self._shim.close()
            raise
        daemon = _warehouse(self.cluster, shim, DAEMON_ROLE, schema)
        self.mode = RedshiftModeEnv(
            settings.derive(**{"warehouse": daemon}), owner, self.isolation, shim, self.cluster
        )
        return self.mode.settings

    async def drop(self, settings: Settings) -> None:
        schema = settings.warehouse.schema_name
        with self._shim, self.cluster.superuser() as conn:
            for name in (schema, f"{schema}_sys"):
                conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


@asynccontextmanager
async def open_redshift_mode(
    base: Settings, cluster: Cluster, isolation: Isolation
) -> AsyncIterator[RedshiftModeEnv]:
    """A local environment (the product's builder) whose schema is in Redshift mode: migrated
    the Redshift way by the owner, the grants given; removed after.

    ``base`` supplies every other section (consumer, ...) under the environment's own stream,
    topic and queue: the yielded settings are those with the warehouse section of the daemon's
    restricted user.
    """
    plan = RedshiftModeSchema(cluster, isolation)
    async with local_environment(base, NAME, schema=plan, http={"port": 0}):
        assert plan.mode is not None
        yield plan.mode


async def _migrate(owner: Settings, schema: str, system: str) -> None:
    """As the admin: the Redshift migrations, the runbook's grants, the system view stand-in."""
    async with opened_warehouse(owner) as wh:
        await migrate(RedshiftDdlWarehouse(wh), owner)
        async with wh.acquire() as conn:
            for statement in postgres_grants(schema, DAEMON_ROLE):
                await conn.execute(statement)
            for statement in SYSTEM_VIEWS:
                await conn.execute(render(statement, system=system))


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def redshift_cluster(local_stack: tuple[Settings, StackInfo]) -> Iterator[Cluster]:
    """The local stack's PostgreSQL, with the compat functions and the daemon's role."""
    cluster = prepare_cluster(local_stack[0])
    yield cluster
    drop_daemon_role(cluster)


@pytest.fixture
async def redshift_mode(
    local_stack: tuple[Settings, StackInfo],
    redshift_cluster: Cluster,
    redshift_isolation: Isolation,
) -> AsyncIterator[RedshiftModeEnv]:
    """A fresh schema in Redshift mode; ``.settings`` are the daemon's (restricted user)."""
    async with open_redshift_mode(local_stack[0], redshift_cluster, redshift_isolation) as env:
        yield env
