"""Fixtures of the history tests: a small simulated timeline and a fresh migrated schema."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pandas as pd
import pytest

from fraudd.localstack import StackInfo
from fraudd.settings import Settings
from fraudd.simulator import SimulationSpec, Timeline
from fraudd.warehouse import DialectWarehouse, opened_warehouse
from fraudd.warehouse.migrate import migrate
from tests.warehouse.conftest import pg_cluster, shim  # noqa: F401  (fixtures, used by name)

SMALL = SimulationSpec(
    origin=dt.date(2018, 4, 1), seed=11, customers=300, terminals=600, radius=10.0
)
SMALL_DAYS = 20


@dataclass(frozen=True)
class HistoryDb:
    """Settings pointing at a schema of the test's own, and an open pool on it."""

    settings: Settings
    wh: DialectWarehouse

    @property
    def schema(self) -> str:
        return self.settings.warehouse.schema_name


@pytest.fixture(scope="session")
def small_frame() -> pd.DataFrame:
    """20 days of 300 customers (about 12,000 transactions)."""
    return Timeline(SMALL).days(0, SMALL_DAYS)


def schema_settings(base: Settings, prefix: str = "h") -> Settings:
    """``base`` with a fresh schema name."""
    wh = base.warehouse.derive(
        **{"schema_name": f"{prefix}_{uuid.uuid4().hex[:12]}", "statement_timeout_s": 60.0}
    )
    return base.derive(**{"warehouse": wh})


@pytest.fixture
async def history_db(local_stack: tuple[Settings, StackInfo]) -> AsyncIterator[HistoryDb]:
    """A fresh schema with every migration applied; dropped afterwards."""
    settings = schema_settings(local_stack[0])
    async with opened_warehouse(settings) as wh:
        await migrate(wh.pool, settings)
        yield HistoryDb(settings, wh)
        async with wh.acquire() as conn:
            await conn.execute(f"DROP SCHEMA {settings.warehouse.schema_name} CASCADE")
