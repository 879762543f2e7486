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

from bench.common import Stack, environment
from bench.history import HistorySpec, Loaded, load_history
from fraudd.model.commands import train_command
from fraudd.model.train import TrainConfig
from fraudd.settings import Settings
from fraudd.warehouse import opened_warehouse

LIVE_HISTORY = HistorySpec(customers=2000, terminals=4000, days=60)
COPIED = ("transactions", "labels", "models", "simulations")
SEED_TIMEOUT_S = 3600.0
"""Copying a large history and rebuilding its indexes takes minutes, not the daemon's 30 s."""


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
    settings = (await environment(stack, shards=1, stream=False)).settings
    loaded = await load_history(settings, spec)
    began = time.perf_counter()
    config = TrainConfig(train_end=spec.end() - dt.timedelta(days=7))
    record = await train_command(settings, config, activate=True)
    return Template(settings, spec, loaded, record.version, round(time.perf_counter() - began, 1))


async def clone(template: Template, target: Settings) -> None:
    """Copy the template's history and models into ``target``'s (migrated, empty) schema."""
    await _seed(template, target, COPIED)


async def copy_models(template: Template, target: Settings) -> None:
    """Register the template's models in ``target``'s schema (the history there may differ)."""
    await _seed(template, target, ("models",))


async def _seed(template: Template, target: Settings, tables: tuple[str, ...]) -> None:
    """Copy ``tables`` from the template's schema, then refresh their statistics."""
    seeding = target.derive(warehouse={"statement_timeout_s": SEED_TIMEOUT_S})
    async with opened_warehouse(seeding) as wh, wh.session() as session:
        await session.copy_tables_from(template.settings.warehouse.schema_name, tables)
        await session.vacuum_analyze(tables)
