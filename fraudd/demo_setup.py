"""Getting the local stack ready for a demo run: a fresh stream and warehouse schema each time.

The demo builds its environment with the local-environment builder
(:mod:`fraudd.localstack.environment`) under its own names (schema ``demo``, stream, topic and
queue ``<configured>-demo``), so a demo never touches data a user loaded into the configured
schema, and every run starts from the same clean state (``fresh``).
Each step reports to a :class:`Stages` sink as it starts and finishes (the live view shows them).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any, Protocol

import structlog

from fraudd import localstack
from fraudd.history.synthetic import simulate_into_warehouse
from fraudd.localstack.environment import Migrated, create_environment, isolated_settings
from fraudd.model.commands import train_command
from fraudd.model.fit import FitConfig
from fraudd.model.train import TrainConfig
from fraudd.settings import Settings
from fraudd.simulator import SimulationSpec
from fraudd.warehouse import opened_warehouse

log = structlog.get_logger(__name__)
DEMO_SCHEMA = "demo"
# Short enough to load and train in seconds, long enough for 30-day windows and a validation week.
HISTORY_DAYS = 60
HISTORY_CUSTOMERS = 2000
HISTORY_TERMINALS = 4000
TRAIN_DAYS = HISTORY_DAYS
STAGES = ("stack", "schema", "history", "model")
"""The set-up steps in order (the loop's own stages follow in the live view)."""


class Stages(Protocol):
    """Where set-up steps report: ``started(stage)``, then ``finished(stage, facts)``."""

    def started(self, stage: str) -> None: ...

    def finished(self, stage: str, facts: dict[str, Any]) -> None: ...


class LogStages:
    """A :class:`Stages` sink that only logs (off a terminal)."""

    def started(self, stage: str) -> None:
        log.debug("demo.stage_started", stage=stage)

    def finished(self, stage: str, facts: dict[str, Any]) -> None:
        log.info("demo.stage_finished", stage=stage, **facts)


def demo_settings(settings: Settings) -> Settings:
    """The demo's own names (schema ``demo``; stream, topic and queue ``<configured>-demo``) on
    top of the configured local stack."""
    return isolated_settings(settings, DEMO_SCHEMA, unique=False)


async def seed(settings: Settings, today: dt.date) -> dict[str, Any]:
    """A short simulated history ending today (the model's training data)."""
    spec = SimulationSpec(
        origin=today - dt.timedelta(days=HISTORY_DAYS),
        seed=settings.producer.seed,
        customers=HISTORY_CUSTOMERS,
        terminals=HISTORY_TERMINALS,
        fraud=settings.producer.fraud,  # live mode plays the configured mode too
    )
    async with opened_warehouse(settings) as warehouse:
        summary = await simulate_into_warehouse(warehouse, settings, spec, HISTORY_DAYS)
    return {
        "history_days": HISTORY_DAYS,
        "history_cards": HISTORY_CUSTOMERS,
        "history_terminals": HISTORY_TERMINALS,
        "history_transactions": summary.transactions,
        "history_frauds": summary.frauds,
    }


async def train(settings: Settings, today: dt.date) -> dict[str, Any]:
    """The demo's first model, trained on the seeded history and activated."""
    config = TrainConfig(
        train_end=today - dt.timedelta(days=7),
        train_days=TRAIN_DAYS,
        fit=FitConfig(refit=False),  # the demo should start fast: skip the refit on all rows
    )
    record = await train_command(settings, config, activate=True)
    return {"model_version": record.version, "model_validation": record.metadata.get("validation")}


def prepare(settings: Settings, stages: Stages | None = None) -> tuple[Settings, dict[str, Any]]:
    """Local stack up (idempotent); a fresh demo stream, queue and schema; history and a model.

    Returns the demo's settings and what the JSON summary reports about the set-up.
    """
    sink: Stages = stages or LogStages()
    sink.started("stack")
    info = localstack.up(settings)
    named = demo_settings(localstack.stack_settings(settings, info))
    sink.finished("stack", {"state_dir": str(info.state_dir.resolve())})
    sink.started("schema")
    schema = Migrated()
    # Kept after the run (for a look at what the demo did); the next demo starts fresh.
    env = asyncio.run(create_environment(named, fresh=True, schema=schema))
    stacked = env.settings
    sink.finished(
        "schema",
        {
            "schema": DEMO_SCHEMA,
            "stream": stacked.kinesis.stream_name,
            "migrations": len(schema.applied),
            "stale_alerts_drained": env.drained,
        },
    )
    today = dt.datetime.now(dt.UTC).date()
    sink.started("history")
    seeded = asyncio.run(seed(stacked, today))
    sink.finished("history", seeded)
    sink.started("model")
    trained = asyncio.run(train(stacked, today))
    sink.finished("model", trained)
    keys = ("history_transactions", "history_frauds")
    return stacked, {k: seeded[k] for k in keys} | trained
