"""In-process scoring: how many transactions per second the ``local`` backend scores.

The model is the template's (trained on the 60-day history); the inputs are real feature rows of
that history (the training query over its last 30 days). Each batch size is scored repeatedly
through :meth:`LocalScorer.score` — the consumer's own call, which moves large batches to a
worker thread — with reason codes as the consumer computes them (rows at or above the review
threshold) and, separately, scores only.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import numpy as np

from bench.common import Result, Target
from bench.context import Context
from fraudd.features import FEATURES, training_features
from fraudd.model.record import ModelRecord
from fraudd.scoring.engine import SCORER_THREADS
from fraudd.scoring.local import LocalScorer
from fraudd.warehouse import opened_warehouse

BATCHES = (1, 100, 10_000, 100_000)
MIN_SECONDS = 1.0
TARGET_TPS_10K = 200_000
TARGET_100K_S = 1.0


def VARIANTS(reasons: int) -> list[tuple[str, int, int]]:
    """(label, reason codes, XGBoost threads): the consumer's configuration first."""
    return [
        ("with_reasons", reasons, SCORER_THREADS),
        ("scores_only", 0, SCORER_THREADS),
        ("scores_only_2_threads", 0, 2),
    ]


async def _inputs(ctx: Context) -> tuple[ModelRecord, np.ndarray]:
    template = await ctx.template()
    settings = template.settings
    async with opened_warehouse(settings.derive(warehouse={"statement_timeout_s": 600.0})) as wh:
        async with wh.session() as session:
            record = await session.active_model()
            end = template.spec.end()
            frame = await training_features(session, end - dt.timedelta(days=30), end)
    assert record is not None, "the template has no active model"
    matrix = frame[list(FEATURES)].to_numpy(dtype=np.float64)
    reps = -(-max(BATCHES) // len(matrix))
    return record, np.tile(matrix, (reps, 1))


async def _rate(scorer: LocalScorer, matrix: np.ndarray, batch: int) -> dict[str, float]:
    """Score ``batch`` rows repeatedly (at least MIN_SECONDS and 3 times)."""
    walls: list[float] = []
    cpus: list[float] = []
    offset = 0
    while sum(walls) < MIN_SECONDS or len(walls) < 3:
        rows = matrix[offset : offset + batch]
        offset = (offset + batch) % (len(matrix) - batch + 1)
        began, cpu = time.perf_counter(), time.process_time()
        await scorer.score(rows)
        walls.append(time.perf_counter() - began)
        cpus.append(time.process_time() - cpu)
    mean = sum(walls) / len(walls)
    return {
        "batch": batch,
        "repeats": len(walls),
        "seconds_per_batch": round(mean, 6),
        "tx_per_s": round(batch / mean),
        "cpu_us_per_tx": round(sum(cpus) / len(cpus) / batch * 1e6, 2),
    }


async def _variants(record: ModelRecord, matrix: np.ndarray, reasons: int) -> dict[str, Any]:
    """Each variant's rate at each batch size."""
    figures: dict[str, Any] = {}
    for label, codes, threads in VARIANTS(reasons):
        scorer = LocalScorer(record, reason_codes=codes, n_jobs=threads)
        try:
            figures[label] = [await _rate(scorer, matrix, b) for b in BATCHES]
        finally:
            scorer.close()
    return figures


def _explained_share(record: ModelRecord, matrix: np.ndarray, reasons: int) -> float:
    """Share of rows at or above the threshold from which reason codes are computed."""
    probe = LocalScorer(record, reason_codes=reasons, n_jobs=SCORER_THREADS)
    try:
        return float(np.mean(probe.score_sync(matrix[:10_000]).scores >= probe.explain_from))
    finally:
        probe.close()


def _targets(figures: dict[str, Any]) -> list[Target]:
    by_batch = {r["batch"]: r for r in figures["with_reasons"]}
    tps_10k = by_batch[10_000]["tx_per_s"]
    seconds_100k = by_batch[100_000]["seconds_per_batch"]
    return [
        Target("local scoring, batches of 10,000", f">= {TARGET_TPS_10K:,} tx/s", tps_10k,
               tps_10k >= TARGET_TPS_10K),
        Target("100k transactions scored in process", f"< {TARGET_100K_S} s", seconds_100k,
               seconds_100k < TARGET_100K_S),
    ]  # fmt: skip


async def run(ctx: Context) -> Result:
    record, matrix = await _inputs(ctx)
    reasons = (await ctx.template()).settings.scoring.reason_codes
    figures = await _variants(record, matrix, reasons)
    return Result(
        scenario="scoring",
        parameters={
            "model_version": record.version,
            "features": len(record.features),
            "reason_codes": reasons,
            "xgboost_threads": SCORER_THREADS,
            "explained_share": round(_explained_share(record, matrix, reasons), 4),
            "batches": list(BATCHES),
            "input_rows": len(matrix),
        },
        figures=figures,
        targets=_targets(figures),
    )
