"""The contract suite runs every test once per warehouse implementation (see env.py).

* ``contract``: the product's environment of one implementation (Redshift mode for Redshift);
* ``area_db``: a warehouse of one implementation on a fresh schema without the daemon's other
  dependencies (tests/warehouse/sessions.py: the Redshift form at the implementation's level),
  for the areas that load history (models, history, training, evaluation).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

import pandas as pd
import pytest

from fraudd.localstack import StackInfo
from fraudd.settings import Settings
from fraudd.warehouse.history import STAGING, BulkLoad, RedshiftBulkLoad
from tests.shim.redshift_shim import RedshiftShim
from tests.warehouse.conftest import PgCluster
from tests.warehouse.contract.env import ContractEnv, open_contract_env
from tests.warehouse.sessions import AreaDb, open_area_db

# the Redshift form's session level for each Redshift-mode implementation
AREA_ISOLATION = {"redshift-snapshot": "REPEATABLE READ", "redshift-serializable": "SERIALIZABLE"}


@pytest.fixture
def redshift_only(warehouse_implementation: str) -> None:
    """Skip on PostgreSQL; named before ``contract`` or ``area_db``, it skips before they open."""
    if warehouse_implementation == "postgres":
        pytest.skip("Redshift's behaviour only")


@pytest.fixture
async def contract(warehouse_implementation: str, local_stack: Any) -> AsyncIterator[ContractEnv]:
    env = await open_contract_env(local_stack, warehouse_implementation, ("consumer", "actions"))
    try:
        yield env
    finally:
        await env.stack.aclose()


@pytest.fixture
async def area_db(
    warehouse_implementation: str,
    local_stack: tuple[Settings, StackInfo],
    pg_cluster: PgCluster,
    shim: RedshiftShim,
) -> AsyncIterator[AreaDb]:
    dialect = "postgres" if warehouse_implementation == "postgres" else "redshift"
    isolation = AREA_ISOLATION.get(warehouse_implementation, "REPEATABLE READ")
    async with open_area_db(local_stack[0], pg_cluster, shim, dialect, isolation) as db:
        yield db


def simulated_history() -> pd.DataFrame:
    """45 days of a small simulation, labels included (training and evaluation read it)."""
    from fraudd.simulator.dataset import generate_history

    return generate_history(dt.date(2018, 4, 1), 45, customers=120, terminals=240, seed=5)


@pytest.fixture(scope="session")
def history() -> pd.DataFrame:
    """:func:`simulated_history`, made once per session."""
    return simulated_history()


@pytest.fixture
async def loaded(area_db: AreaDb, history: pd.DataFrame) -> AreaDb:
    """``area_db`` holding :func:`history`'s transactions and labels."""
    await area_db.load(history)
    return area_db


@pytest.fixture
def stage_by_insert(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Redshift load's staging step without S3: the same rows, by multi-row INSERTs."""

    async def copy_into_staging(self: BulkLoad, chunks: AsyncIterable[str]) -> int:
        return await self.conn.copy_csv(f"pg_temp.{STAGING}", self.staged_columns, chunks)

    monkeypatch.setattr(RedshiftBulkLoad, "copy_into_staging", copy_into_staging)
    monkeypatch.setattr(RedshiftBulkLoad, "__aenter__", BulkLoad.__aenter__)
