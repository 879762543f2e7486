"""A warehouse of each implementation on a fresh schema, for the tests of the seam's areas
(models, history, training, evaluation), without the daemon's other dependencies.

* ``postgres``: the PostgreSQL sessions through psycopg on the schema ``fraudd migrate`` makes;
* ``redshift``: the Redshift sessions through redshift_connector and the wire shim, on a schema
  made from the Redshift migrations the way Redshift makes it (keys declared, not enforced),
  every session at REPEATABLE READ (Redshift's SNAPSHOT, the default of new databases), each
  statement rewritten to PostgreSQL's spelling by tests/redshift/pg_subset.py and refused over
  Redshift's 16 MB statement limit.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pytest

from fraudd.localstack import StackInfo
from fraudd.settings import Settings
from fraudd.warehouse import Connection, DialectWarehouse, connect
from fraudd.warehouse.migrate import migrate
from fraudd.warehouse.seam import PostgresSession, RedshiftSession
from fraudd.warehouse.sqlfiles import render
from tests.model.fixtures import TX_COLUMNS, label_rows, tx_rows
from tests.redshift.pg_subset import run_redshift_migrations
from tests.shim.redshift_shim import RedshiftShim
from tests.warehouse.conftest import PgCluster, make_settings
from tests.warehouse.redshift_form import DROP_KEYS, STREAM_VIEW, IsolatedPgSubset

IMPLEMENTATIONS = ("postgres", "redshift")


class VarbyteInput:
    """Redshift reads redshift_connector's ``bytes`` parameter (hex text of type UNKNOWN) as
    VARBYTE; PostgreSQL's bytea reads hex only after ``\\x``. This wrapper, under the Redshift
    form's rewriter, adds the prefix, so a stored artifact is the bytes sent, as on Redshift."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    @staticmethod
    def _args(args: tuple[Any, ...]) -> list[Any]:
        return ["\\x" + bytes(a).hex() if isinstance(a, bytes | bytearray) else a for a in args]

    async def execute(self, sql: str, *args: Any) -> int:
        return int(await self._conn.execute(sql, *self._args(args)))

    async def fetch(self, sql: str, *args: Any) -> Any:
        return await self._conn.fetch(sql, *self._args(args))

    async def fetchrow(self, sql: str, *args: Any) -> Any:
        return await self._conn.fetchrow(sql, *self._args(args))

    async def fetchval(self, sql: str, *args: Any) -> Any:
        return await self._conn.fetchval(sql, *self._args(args))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


class RedshiftForm(IsolatedPgSubset):
    """Snapshot sessions, the rewriter, the 16 MB limit, and VARBYTE input."""

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[Any]:
        async with super().acquire() as conn:
            yield VarbyteInput(conn)


@dataclass
class AreaDb:
    """An open warehouse of one implementation on a schema of its own."""

    implementation: str
    settings: Settings
    wh: DialectWarehouse

    @property
    def schema(self) -> str:
        return self.settings.warehouse.schema_name

    @property
    def redshift(self) -> bool:
        return self.implementation == "redshift"

    async def load(self, frame: pd.DataFrame) -> None:
        """Copy simulator output's transactions and labels (1 to 7 days late) in, raw."""
        raw = getattr(self.wh.pool, "_warehouse", self.wh.pool)
        async with raw.acquire() as conn:
            await conn.copy_rows(f"{self.schema}.transactions", TX_COLUMNS, tx_rows(frame))
            await conn.copy_rows(
                f"{self.schema}.labels",
                ("tx_id", "is_fraud", "labelled_at", "fraud_scenario"),
                label_rows(frame, spread=True),
            )

    async def rows(self, sql: str, *args: Any) -> list[Any]:
        """A raw read of the test's own (PostgreSQL-spelled) SQL, bypassing the rewriter."""
        raw = getattr(self.wh.pool, "_warehouse", self.wh.pool)
        async with raw.acquire() as conn:
            return await conn.fetch(sql.format(schema=self.schema), *args)


async def _redshift_form(conn: Connection, settings: Settings) -> None:
    """The Redshift migrations as PostgreSQL can run them, keys declared but not enforced."""
    schema = settings.warehouse.schema_name
    await run_redshift_migrations(conn, settings)
    await conn.execute(render(STREAM_VIEW, schema=schema))
    for (statement,) in await conn.fetch(DROP_KEYS, schema):
        await conn.execute(statement)


@asynccontextmanager
async def open_area_db(
    base: Settings,
    cluster: PgCluster,
    shim: RedshiftShim,
    implementation: str,
    isolation: str = "REPEATABLE READ",
) -> AsyncIterator[AreaDb]:
    """A fresh schema of ``implementation`` (Redshift sessions at ``isolation``); dropped
    afterwards."""
    schema = f"a_{uuid.uuid4().hex[:12]}"
    redshift = implementation == "redshift"
    wh_settings = make_settings(
        cluster,
        shim,
        "redshift_connector" if redshift else "psycopg",
        schema,
        dialect="redshift" if redshift else "postgres",
    ).derive(**{"statement_timeout_s": 60.0})
    settings = base.derive(**{"warehouse": wh_settings})
    pool = await connect(wh_settings)
    try:
        if redshift:
            async with pool.acquire() as conn:
                await _redshift_form(conn, settings)
            form = RedshiftForm(pool, isolation)
            wh = DialectWarehouse(form, settings, RedshiftSession)  # type: ignore[arg-type]
        else:
            await migrate(pool, settings)
            wh = DialectWarehouse(pool, settings, PostgresSession)
        yield AreaDb(implementation, settings, wh)
    finally:
        async with pool.acquire() as conn:
            await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await pool.close()


@pytest.fixture(params=IMPLEMENTATIONS)
async def area_db(
    request: pytest.FixtureRequest,
    local_stack: tuple[Settings, StackInfo],
    pg_cluster: PgCluster,
    shim: RedshiftShim,
) -> AsyncIterator[AreaDb]:
    async with open_area_db(local_stack[0], pg_cluster, shim, request.param) as db:
        yield db
