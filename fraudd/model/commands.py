"""What ``fraudd train``, ``fraudd evaluate``, ``fraudd models`` and ``fraudd export`` do, given
settings: the CLI parses arguments and calls these.

Each opens its own warehouse pool with a long statement timeout: feature queries over months
of history run for tens of seconds, far beyond the consumer's per-batch timeout.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fraudd.features import CatalogMismatch, refusal, training_features_parallel
from fraudd.model.evaluate import Evaluation, evaluate_model
from fraudd.model.export import export_sagemaker
from fraudd.model.protocol import EvalWindow
from fraudd.model.record import ModelRecord
from fraudd.model.report import write_report
from fraudd.model.train import TrainConfig, train_and_register
from fraudd.settings import Settings
from fraudd.warehouse import Session, Warehouse, opened_warehouse

BATCH_JOB_TIMEOUT_S = 3600.0
FEATURE_PARTS = 2
"""Training features are computed in this many date ranges at once (one per server core)."""


@asynccontextmanager
async def _warehouse(settings: Settings) -> AsyncIterator[Warehouse]:
    wh = settings.warehouse
    timeout = max(wh.statement_timeout_s, BATCH_JOB_TIMEOUT_S)
    batch = settings.derive(warehouse={"statement_timeout_s": timeout})
    async with opened_warehouse(batch) as warehouse:
        yield warehouse


@asynccontextmanager
async def _session(settings: Settings) -> AsyncIterator[Session]:
    async with _warehouse(settings) as wh, wh.session() as session:
        yield session


async def train_command(
    settings: Settings, config: TrainConfig, *, activate: bool | None = None
) -> ModelRecord:
    """Train on ``config``'s window and register (activation rule applies unless ``activate``
    forces it)."""
    async with _warehouse(settings) as wh:
        began = time.perf_counter()
        frame = await training_features_parallel(
            wh,
            config.start.to_pydatetime(),
            config.end.to_pydatetime(),
            parts=min(FEATURE_PARTS, settings.warehouse.pool_size),
        )
        async with wh.session() as session:
            record, _ = await train_and_register(
                session,
                config,
                activate=activate,
                frame=frame,
                feature_seconds=time.perf_counter() - began,
            )
    return record


async def evaluate_command(
    settings: Settings,
    window: EvalWindow,
    *,
    version: int | None = None,
    report_dir: Path | None = None,
) -> Evaluation:
    """Evaluate model ``version`` (default: the active one) on ``window``; write a report if
    asked."""
    scoring = settings.scoring
    async with _session(settings) as session:
        record = await _model(session, version)
        # The thresholds the consumer would apply: the model's, with configured overrides.
        thresholds = record.thresholds.overridden(scoring.review_threshold, scoring.block_threshold)
        evaluation, scored = await evaluate_model(
            session, record, window, thresholds=thresholds, reason_codes=scoring.reason_codes
        )
    if report_dir is not None:
        write_report(report_dir, evaluation, scored)
    return evaluation


async def _model(session: Session, version: int | None) -> ModelRecord:
    record = await (session.active_model() if version is None else session.get_model(version))
    if record is None:
        raise LookupError("no active model" if version is None else f"no model {version}")
    return record


async def list_command(settings: Settings) -> list[ModelRecord]:
    """Every registered model, oldest first (no artifacts)."""
    async with _session(settings) as session:
        return await session.list_models()


async def activate_command(settings: Settings, version: int) -> None:
    """Make ``version`` the active model (e.g. to roll back); :class:`CatalogMismatch` when it
    was trained with another feature catalog than the configured one."""
    async with _session(settings) as session:
        record = await session.get_model(version)
        why = None if record is None else refusal(record, settings.features.selected())
        if why is not None:
            raise CatalogMismatch(why)
        await session.activate_model(version)


async def export_command(settings: Settings, path: Path, version: int | None = None) -> Path:
    """Write the SageMaker ``model.tar.gz`` of ``version`` (default: active) to ``path``."""
    async with _session(settings) as session:
        record = await _model(session, version)
    return export_sagemaker(record, path)
