"""What ``fraudd train``, ``fraudd evaluate``, ``fraudd models`` and ``fraudd export`` do, given
settings: the CLI parses arguments and calls these.

Each opens its own warehouse pool with a long statement timeout: feature queries over months
of history run for tens of seconds, far beyond the consumer's per-batch timeout.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fraudd.features import feature_queries, training_features_parallel
from fraudd.model.evaluate import Evaluation, evaluate_model
from fraudd.model.export import export_sagemaker
from fraudd.model.fit import FitConfig
from fraudd.model.protocol import EvalWindow
from fraudd.model.registry import ModelRecord, Registry
from fraudd.model.report import write_report
from fraudd.model.thresholds import ThresholdTargets
from fraudd.model.train import TrainConfig, train_and_register
from fraudd.settings import Settings
from fraudd.warehouse import Connection, Pool, connect

BATCH_JOB_TIMEOUT_S = 3600.0
FEATURE_PARTS = 2
"""Training features are computed in this many date ranges at once (one per server core)."""


@asynccontextmanager
async def _pool(settings: Settings) -> AsyncIterator[Pool]:
    wh_settings = settings.warehouse.model_copy(
        update={
            "statement_timeout_s": max(settings.warehouse.statement_timeout_s, BATCH_JOB_TIMEOUT_S)
        }
    )
    wh = await connect(wh_settings)
    try:
        yield wh
    finally:
        await wh.close()


@asynccontextmanager
async def _session(settings: Settings) -> AsyncIterator[tuple[Connection, Registry]]:
    async with _pool(settings) as wh, wh.acquire() as conn:
        yield conn, Registry(wh.schema, wh.dialect)


def _utc(day: dt.date | dt.datetime) -> dt.datetime:
    if isinstance(day, dt.datetime):
        return day if day.tzinfo is not None else day.replace(tzinfo=dt.UTC)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


async def train_command(
    settings: Settings,
    *,
    train_end: dt.date | dt.datetime,
    train_days: int = 90,
    val_days: int = 7,
    delay_days: int = 7,
    targets: ThresholdTargets | None = None,
    fit: FitConfig | None = None,
    activate: bool | None = None,
) -> ModelRecord:
    """Train on ``[train_end - train_days, train_end)`` and register (activation rule applies
    unless ``activate`` forces it)."""
    config = TrainConfig(
        train_end=_utc(train_end),
        train_days=train_days,
        val_days=val_days,
        delay_days=delay_days,
        fit=fit or FitConfig(),
        targets=targets or ThresholdTargets(),
    )
    queries = feature_queries(settings.warehouse.dialect, settings.warehouse.schema_name)
    async with _pool(settings) as wh:
        began = time.perf_counter()
        frame = await training_features_parallel(
            wh,
            config.start.to_pydatetime(),
            config.end.to_pydatetime(),
            queries,
            parts=min(FEATURE_PARTS, settings.warehouse.pool_size),
        )
        async with wh.acquire() as conn:
            record, _ = await train_and_register(
                conn,
                queries,
                Registry(wh.schema, wh.dialect),
                config,
                activate=activate,
                frame=frame,
                feature_seconds=time.perf_counter() - began,
            )
    return record


async def evaluate_command(
    settings: Settings,
    *,
    test_start: dt.date | dt.datetime,
    test_days: int = 7,
    delay_days: int = 7,
    known_days: int = 7,
    version: int | None = None,
    report_dir: Path | None = None,
) -> Evaluation:
    """Evaluate model ``version`` (default: the active one); write a report if asked."""
    window = EvalWindow.of(_utc(test_start), test_days, delay_days, known_days)
    schema = settings.warehouse.schema_name
    queries = feature_queries(settings.warehouse.dialect, schema)
    async with _session(settings) as (conn, registry):
        record = await _model(conn, registry, version)
        evaluation, scored = await evaluate_model(conn, queries, schema, record, window)
    if report_dir is not None:
        write_report(report_dir, evaluation, scored)
    return evaluation


async def _model(conn: Connection, registry: Registry, version: int | None) -> ModelRecord:
    record = (
        await registry.load_active(conn) if version is None else await registry.get(conn, version)
    )
    if record is None:
        raise LookupError("no active model" if version is None else f"no model {version}")
    return record


async def list_command(settings: Settings) -> list[ModelRecord]:
    """Every registered model, oldest first (no artifacts)."""
    async with _session(settings) as (conn, registry):
        return await registry.list_models(conn)


async def activate_command(settings: Settings, version: int) -> None:
    """Make ``version`` the active model (e.g. to roll back)."""
    async with _session(settings) as (conn, registry):
        await registry.activate(conn, version)


async def export_command(settings: Settings, path: Path, version: int | None = None) -> Path:
    """Write the SageMaker ``model.tar.gz`` of ``version`` (default: active) to ``path``."""
    async with _session(settings) as (conn, registry):
        record = await _model(conn, registry, version)
    return export_sagemaker(record, path)
