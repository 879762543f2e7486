"""The trained starting point every live run begins from: a simulated history plus a model.

Generated, loaded and trained once per stack (``prepare``), then copied into a fresh schema for
each run (``clone``), so every rate starts from the same history, the same model and an empty
stream, and live traffic continues the history where it ends.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import asdict, dataclass
from typing import Any

import psycopg

from bench.common import Stack, isolated, migrated
from bench.history import HistorySpec, Loaded, load_history, secondary_indexes
from fraudd.model.commands import train_command
from fraudd.model.train import TrainConfig
from fraudd.settings import Settings
from fraudd.warehouse.psycopg_driver import conninfo

LIVE_HISTORY = HistorySpec(customers=2000, terminals=4000, days=60)
COPIED = ("transactions", "labels", "models", "simulations")


@dataclass(frozen=True)
class Template:
    """A schema holding a loaded history and an active model."""

    settings: Settings
    spec: HistorySpec
    loaded: Loaded
    model_version: int
    train_s: float

    def describe(self) -> dict[str, Any]:
        return {
            "history": asdict(self.spec) | {"origin": self.spec.start().isoformat()},
            "transactions": self.loaded.transactions,
            "frauds": self.loaded.frauds,
            "model_version": self.model_version,
            "train_end": (self.spec.end() - dt.timedelta(days=7)).isoformat(),
            "load_s": self.loaded.load_s,
            "train_s": self.train_s,
        }


async def prepare(stack: Stack, spec: HistorySpec = LIVE_HISTORY) -> Template:
    """Load ``spec`` into a new schema and train the model on it (train_end = last day - 7)."""
    settings = isolated(stack, shards=1)
    await migrated(settings)
    loaded = await load_history(settings, spec)
    began = time.perf_counter()
    config = TrainConfig(train_end=spec.end() - dt.timedelta(days=7))
    record = await train_command(settings, config, activate=True)
    return Template(settings, spec, loaded, record.version, round(time.perf_counter() - began, 1))


async def clone(template: Template, target: Settings) -> None:
    """Copy the template's history and models into ``target``'s (migrated, empty) schema."""
    src, dst = template.settings.warehouse.schema_name, target.warehouse.schema_name
    async with await psycopg.AsyncConnection.connect(
        conninfo(target.warehouse), autocommit=True
    ) as conn:
        await conn.execute("SET statement_timeout = 0")
        await conn.execute("SET maintenance_work_mem = '256MB'")
        indexes = await secondary_indexes(conn, dst, "transactions")
        for name, _definition in indexes:
            await conn.execute(f"DROP INDEX {dst}.{name}")
        for table in COPIED:
            copy = f"INSERT INTO {dst}.{table} SELECT * FROM {src}.{table}"  # noqa: S608
            await conn.execute(copy)
        for _name, definition in indexes:
            await conn.execute(definition)
        for table in COPIED:
            await conn.execute(f"VACUUM (ANALYZE) {dst}.{table}")


async def copy_models(template: Template, target: Settings) -> None:
    """Register the template's models in ``target``'s schema (the history there may differ)."""
    src, dst = template.settings.warehouse.schema_name, target.warehouse.schema_name
    async with await psycopg.AsyncConnection.connect(
        conninfo(target.warehouse), autocommit=True
    ) as conn:
        copy = f"INSERT INTO {dst}.models SELECT * FROM {src}.models"  # noqa: S608
        await conn.execute(copy)
