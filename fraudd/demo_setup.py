"""Getting the local stack ready for a demo run: a fresh stream and warehouse schema each time.

The demo uses its own names (schema ``demo``, stream ``<stream>-demo``), so a demo never touches
data a user loaded into the configured schema, and every run starts from the same clean state.
Each step reports to a :class:`Stages` sink as it starts and finishes (the live view shows them).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any, Protocol

import structlog

from fraudd import localstack
from fraudd.history.synthetic import simulate_into_warehouse
from fraudd.localstack import aws as local_aws
from fraudd.localstack import kinesis as local_kinesis
from fraudd.model.commands import train_command
from fraudd.model.fit import FitConfig
from fraudd.model.train import TrainConfig
from fraudd.settings import Settings
from fraudd.simulator import SimulationSpec
from fraudd.warehouse import connect, open_warehouse
from fraudd.warehouse.migrate import drop_schema, migrate

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
    """The demo's own schema and stream names on top of the configured local stack."""
    return settings.derive(
        warehouse={"schema_name": DEMO_SCHEMA},
        kinesis={"stream_name": f"{settings.kinesis.stream_name}-demo"},
    )


def fresh_stream(settings: Settings) -> None:
    """Delete and recreate the demo stream (instant on kinesalite)."""
    client = local_aws.client("kinesis", settings, settings.kinesis.endpoint_url or "")
    name = settings.kinesis.stream_name
    try:
        client.delete_stream(StreamName=name)
        while True:
            client.describe_stream_summary(StreamName=name)
            time.sleep(0.05)
    except client.exceptions.ResourceNotFoundException:
        pass
    local_kinesis.ensure_stream(client, name, settings.kinesis.shard_count)


def drain_queue(settings: Settings) -> int:
    """Empty the read-back queue so that what the demo reads back belongs to this run."""
    sqs: Any = local_aws.client("sqs", settings, settings.sqs.endpoint_url or "")
    url = sqs.get_queue_url(QueueName=settings.sqs.queue_name)["QueueUrl"]
    drained = 0
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
            ],
        )
        drained += len(messages)
    return drained


async def fresh_schema(settings: Settings) -> list[str]:
    """Drop the demo schema and apply every migration again."""
    wh = await connect(settings.warehouse)
    try:
        await drop_schema(wh)
        return await migrate(wh, settings)
    finally:
        await wh.close()


async def seed(settings: Settings, today: dt.date) -> dict[str, Any]:
    """A short simulated history ending today (the model's training data)."""
    spec = SimulationSpec(
        origin=today - dt.timedelta(days=HISTORY_DAYS),
        seed=settings.producer.seed,
        customers=HISTORY_CUSTOMERS,
        terminals=HISTORY_TERMINALS,
    )
    warehouse = await open_warehouse(settings)
    try:
        summary = await simulate_into_warehouse(warehouse, settings, spec, HISTORY_DAYS)
    finally:
        await warehouse.close()
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
    stacked = demo_settings(localstack.stack_settings(settings, info))
    sink.finished("stack", {"state_dir": str(info.state_dir.resolve())})
    sink.started("schema")
    fresh_stream(stacked)
    drained = drain_queue(stacked)
    applied = asyncio.run(fresh_schema(stacked))
    sink.finished(
        "schema",
        {
            "schema": DEMO_SCHEMA,
            "stream": stacked.kinesis.stream_name,
            "migrations": len(applied),
            "stale_alerts_drained": drained,
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
