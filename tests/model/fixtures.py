"""Fixtures shared by tests/model and tests/test_features.py: a migrated schema of its own on the
local stack's PostgreSQL, and a small simulated, labelled history loaded into it."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest

from fraudd.columns import TRANSACTION, names
from fraudd.history.columns import label_delays
from fraudd.localstack import StackInfo
from fraudd.model.fit import FitConfig
from fraudd.model.protocol import EvalWindow
from fraudd.model.train import TrainConfig
from fraudd.settings import Settings
from fraudd.simulator.dataset import generate_history
from fraudd.warehouse import (
    Connection,
    Dialect,
    DialectWarehouse,
    Session,
    SessionBase,
    Statements,
    opened_warehouse,
)
from fraudd.warehouse.migrate import migrate
from fraudd.warehouse.seam import PostgresSession, RedshiftSession

HISTORY_START = dt.date(2018, 4, 1)
LABEL_DELAY = pd.Timedelta(days=7)
SMALL_TRAINING = TrainConfig(
    train_end=dt.date(2018, 5, 24),
    train_days=40,
    fit=FitConfig(max_rounds=40, early_stopping_rounds=10),
)
"""A quick model on :func:`small_history` (40 of its 60 days, few rounds)."""
SMALL_TEST = EvalWindow.of(dt.date(2018, 5, 24), test_days=5)
"""The days of :func:`small_history` after :data:`SMALL_TRAINING`'s window."""
TX_COLUMNS = (*names(TRANSACTION), "source")


@dataclass(frozen=True)
class ModelDb:
    """A warehouse on a fresh, migrated schema (PostgreSQL sessions)."""

    wh: DialectWarehouse
    schema: str
    settings: Settings

    def on(self, conn: Connection, dialect: Dialect = "postgres") -> Session:
        """A session of ``dialect``'s implementation over ``conn`` (the Redshift SQL of the
        feature definition runs on PostgreSQL too: the tests compare both)."""
        classes: dict[str, type[SessionBase]] = {
            "postgres": PostgresSession, "redshift": RedshiftSession
        }  # fmt: skip
        settings = self.settings.derive(
            **{"warehouse": self.settings.warehouse.derive(**{"dialect": dialect})}
        )
        session = classes[dialect](conn, settings, Statements(dialect, settings))
        return session  # type: ignore[return-value]


@pytest.fixture(scope="session")
def small_history() -> pd.DataFrame:
    """60 days of 500 customers and 1000 terminals (about 55k transactions)."""
    return generate_history(HISTORY_START, 60, customers=500, terminals=1000, seed=7)


@pytest.fixture
async def model_db(local_stack: tuple[Settings, StackInfo]) -> AsyncIterator[ModelDb]:
    """A fresh schema with every migration applied; dropped afterwards."""
    settings = local_stack[0]
    schema = f"m_{uuid.uuid4().hex[:12]}"
    wh_settings = settings.warehouse.derive(**{"schema_name": schema, "statement_timeout_s": 120.0})
    schema_settings = settings.derive(**{"warehouse": wh_settings})
    async with opened_warehouse(schema_settings) as wh:
        await migrate(wh.pool, schema_settings)
        yield ModelDb(wh, schema, schema_settings)
        async with wh.acquire() as conn:
            await conn.execute(f"DROP SCHEMA {schema} CASCADE")


def tx_rows(frame: pd.DataFrame, source: str = "history") -> Iterable[Sequence[Any]]:
    """Rows of ``transactions`` for simulator output (ids as text, as the consumer writes)."""
    for r in frame.itertuples(index=False):
        yield (
            r.tx_id,
            r.tx_time.to_pydatetime(),
            str(r.customer_id),
            str(r.terminal_id),
            r.card_token,
            r.last4,
            round(float(r.amount), 2),
            r.merchant_category,
            r.channel,
            r.currency,
            float(r.terminal_x),
            float(r.terminal_y),
            source,
        )


def label_rows(
    frame: pd.DataFrame, delay: pd.Timedelta = LABEL_DELAY, *, spread: bool = False
) -> Iterable[Sequence[Any]]:
    """Labels that arrive ``delay`` after their transaction (the handbook's chargebacks), or
    with ``spread`` 1 to ``delay`` days after it, per tx_id (as ``fraudd simulate history``)."""
    if spread:
        delays = pd.to_timedelta(label_delays(frame["tx_id"], delay / pd.Timedelta(days=1)))
    else:
        delays = pd.to_timedelta(np.full(len(frame), delay.value, dtype="timedelta64[ns]"))
    for r, late in zip(frame.itertuples(index=False), delays, strict=True):
        yield r.tx_id, bool(r.is_fraud), (r.tx_time + late).to_pydatetime(), int(r.fraud_scenario)


async def load_history(
    conn: Connection, schema: str, frame: pd.DataFrame, *, spread_labels: bool = False
) -> None:
    """Insert transactions and their delayed labels (``spread_labels``: see :func:`label_rows`),
    then refresh planner statistics."""
    await conn.copy_rows(f"{schema}.transactions", TX_COLUMNS, tx_rows(frame))
    await conn.copy_rows(
        f"{schema}.labels",
        ("tx_id", "is_fraud", "labelled_at", "fraud_scenario"),
        label_rows(frame, spread=spread_labels),
    )
    await conn.execute(f"ANALYZE {schema}.transactions")
    await conn.execute(f"ANALYZE {schema}.labels")
