"""Fixtures for the cases area: a fresh schema per test in each dialect, seeded with alerts.

``postgres``: psycopg and the PostgreSQL migrations. ``redshift``: redshift_connector (the
production driver) through the wire shim, the Redshift migrations and statements rewritten by
tests/redshift/pg_subset.py where the two dialects differ only in spelling.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

import pytest

from fraudd.settings import Settings
from fraudd.warehouse import Warehouse, opened_warehouse
from fraudd.warehouse.migrate import migrate
from fraudd.warehouse.sqlfiles import render
from tests.cases.seed import seed_alerts
from tests.redshift.pg_subset import PgSubsetWarehouse, run_redshift_migrations
from tests.warehouse.conftest import (  # noqa: F401  (fixtures)
    SettingsFactory,
    pg_cluster,
    settings_for,
    shim,
)

DIALECTS = ["postgres", "redshift"]


@dataclass
class CasesEnv:
    settings: Settings
    warehouse: Any

    @property
    def schema(self) -> str:
        return self.settings.warehouse.schema_name

    def session(self) -> AbstractAsyncContextManager[Any]:
        return self.warehouse.session()

    async def rows(self, sql: str, *args: Any) -> list[Any]:
        async with self.warehouse.acquire() as conn:
            return await conn.fetch(render(sql, schema=self.schema), *args)

    async def execute(self, sql: str, *args: Any) -> None:
        async with self.warehouse.acquire() as conn:
            await conn.execute(render(sql, schema=self.schema), *args)


async def create_redshift_schema(warehouse: Warehouse, settings: Settings) -> None:
    """Every Redshift migration that PostgreSQL can run, rewritten (pg_subset)."""
    schema = settings.warehouse.schema_name
    async with warehouse.acquire() as conn:
        await conn.execute(f"CREATE SCHEMA {schema}")
        await run_redshift_migrations(conn, settings)


@pytest.fixture(params=DIALECTS)
async def cases_env(
    request: pytest.FixtureRequest,
    settings_for: SettingsFactory,  # noqa: F811
) -> AsyncIterator[CasesEnv]:
    dialect = str(request.param)
    schema = f"t_cases_{uuid.uuid4().hex[:10]}"
    driver = "redshift_connector" if dialect == "redshift" else "psycopg"
    settings = Settings(warehouse=settings_for(driver, schema, dialect=dialect))
    async with opened_warehouse(settings) as opened:
        warehouse: Any = opened
        if dialect == "redshift":
            await create_redshift_schema(warehouse, settings)
            warehouse.pool = PgSubsetWarehouse(warehouse.pool)  # closed with the warehouse
        else:
            await migrate(warehouse, settings)
        env = CasesEnv(settings, warehouse)
        try:
            yield env
        finally:
            await env.execute("DROP SCHEMA {schema} CASCADE")


@pytest.fixture
async def seeded(cases_env: CasesEnv) -> CasesEnv:
    await seed_alerts(cases_env)
    return cases_env
