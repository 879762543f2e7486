"""Fixtures for the warehouse tests: the local stack's PostgreSQL, the Redshift shim, pools.

Every test gets a fresh schema, so tests never see each other's tables.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import SecretStr

from fraudd.localstack import StackInfo
from fraudd.settings import Settings, WarehouseSettings
from fraudd.warehouse import Pool, connect
from tests.shim.redshift_shim import RedshiftShim


@dataclass(frozen=True)
class PgCluster:
    host: str
    port: int
    user: str
    password: str
    database: str


@pytest.fixture(scope="session")
def pg_cluster(local_stack: tuple[Settings, StackInfo]) -> PgCluster:
    """The local stack's PostgreSQL (md5 auth on 127.0.0.1, the role owns the database)."""
    wh = local_stack[0].warehouse
    return PgCluster(wh.host, wh.port, wh.user, wh.password.get_secret_value(), wh.database)


@pytest.fixture(scope="session")
def shim(pg_cluster: PgCluster) -> Iterator[RedshiftShim]:
    """The wire-level shim that lets redshift_connector reach the cluster."""
    proxy = RedshiftShim(pg_cluster.host, pg_cluster.port)
    proxy.start()
    yield proxy
    proxy.stop()


DRIVERS = ["psycopg", "redshift_connector"]


def make_settings(
    cluster: PgCluster,
    shim: RedshiftShim,
    driver: str,
    schema: str,
    *,
    dialect: str = "postgres",
    pool_size: int = 3,
) -> WarehouseSettings:
    """WarehouseSettings for one driver: psycopg directly, redshift_connector through the shim."""
    via_shim = driver == "redshift_connector"
    return WarehouseSettings.model_validate(
        {
            "dialect": dialect,
            "driver": driver,
            "host": cluster.host,
            "port": shim.port if via_shim else cluster.port,
            "database": cluster.database,
            "user": cluster.user,
            "password": SecretStr(cluster.password),
            "sslmode": "disable" if via_shim else "prefer",
            "schema": schema,
            "pool_size": pool_size,
            "statement_timeout_s": 10,
            "connect_timeout_s": 5,
        }
    )


SettingsFactory = Callable[..., WarehouseSettings]


@pytest.fixture
def settings_for(pg_cluster: PgCluster, shim: RedshiftShim) -> SettingsFactory:
    """``settings_for(driver, schema, dialect=..., pool_size=...)`` -> WarehouseSettings."""

    def factory(driver: str, schema: str, **kwargs: Any) -> WarehouseSettings:
        return make_settings(pg_cluster, shim, driver, schema, **kwargs)

    return factory


@pytest.fixture
def schema() -> str:
    """A fresh schema name per test."""
    return f"t_{uuid.uuid4().hex[:12]}"


@pytest.fixture(params=DRIVERS)
def driver(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def wh_settings(
    pg_cluster: PgCluster, shim: RedshiftShim, driver: str, schema: str
) -> WarehouseSettings:
    return make_settings(pg_cluster, shim, driver, schema)


@pytest.fixture
def full_settings(wh_settings: WarehouseSettings) -> Settings:
    """Whole Settings around the warehouse section (what migrate() takes)."""
    return Settings(warehouse=wh_settings)


@pytest.fixture
async def wh(wh_settings: WarehouseSettings) -> AsyncIterator[Pool]:
    """An open pool with the test's schema created; dropped afterwards."""
    warehouse = await connect(wh_settings)
    async with warehouse.acquire() as conn:
        await conn.execute(f"CREATE SCHEMA {wh_settings.schema_name}")
    yield warehouse
    async with warehouse.acquire() as conn:
        await conn.execute(f"DROP SCHEMA {wh_settings.schema_name} CASCADE")
    await warehouse.close()
