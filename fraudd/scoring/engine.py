"""The scoring engine the consumer calls: rules in front, a model (when configured) behind.

Rules are the override layer: an allow-listed card is approved and a hard block is blocked
whatever the model says; otherwise the model's decision stands, made stricter (never looser) by
the amount and velocity rules. Until a model is registered, the rules decide alone.
"""

from __future__ import annotations

import time
from typing import Any, Protocol

import numpy as np
import structlog

from fraudd.features import FEATURES, feature_matrix
from fraudd.metrics import Metrics, stage
from fraudd.model.record import ModelRecord
from fraudd.records import Swipe
from fraudd.scoring.base import Scorer, ScoreResult
from fraudd.scoring.decision import decide
from fraudd.scoring.local import LocalScorer
from fraudd.scoring.redshift_ml import RedshiftMLScoring
from fraudd.scoring.rules import RuleHit, Rules
from fraudd.scoring.sagemaker import SageMakerScorer
from fraudd.scoring.thresholds import Thresholds
from fraudd.scoring.verdict import Decision, Reason, Verdict, stronger
from fraudd.settings import Settings
from fraudd.warehouse import Session

log = structlog.get_logger(__name__)
SCORER_THREADS = 1
"""XGBoost threads for the consumer's batches (hundreds to a few thousand rows). A second
OpenMP thread costs more in synchronisation than it saves at that size, and far more when the
host's cores are shared with the warehouse: 1,000 rows took 16.2 ms with two threads and 1.8 ms
with one on a 2-core machine under load (``python -m bench scoring``)."""


class Engine(Protocol):
    async def score_batch(self, session: Session, swipes: list[Swipe]) -> list[Verdict]:
        """One verdict per swipe, in order. Runs inside the consumer's batch transaction."""


class RulesEngine:
    """Rules only: the product's behaviour before a model is trained."""

    def __init__(self, settings: Settings, metrics: Metrics | None = None) -> None:
        self.rules = Rules(settings.rules)
        self.settings = settings
        self.metrics = metrics

    async def hits(self, session: Session, swipes: list[Swipe]) -> list[RuleHit]:
        """The rules' outcome for each swipe."""
        with stage(self.metrics, "velocity"):
            counts = await session.velocities(swipes, self.settings.rules.velocity_window_s)
        return [self.rules.evaluate(s, counts.get(s.tx_id, 1)) for s in swipes]

    async def score_batch(self, session: Session, swipes: list[Swipe]) -> list[Verdict]:
        return [hit.verdict for hit in await self.hits(session, swipes)]


class ModelEngine:
    """A model behind the rules: the registry's active model scored in process (``local``) or on
    a SageMaker endpoint (``sagemaker``). A newly activated model is picked up by itself."""

    def __init__(
        self,
        settings: Settings,
        metrics: Metrics | None = None,
        sagemaker: Any = None,
    ) -> None:
        self.settings = settings
        self.rules = RulesEngine(settings, metrics)
        self.metrics = metrics
        self.sagemaker = sagemaker
        self.scorer: Scorer | None = None
        self.checked_at = float("-inf")

    async def score_batch(self, session: Session, swipes: list[Swipe]) -> list[Verdict]:
        await self._refresh_model(session)
        hits = await self.rules.hits(session, swipes)
        if self.scorer is None:
            return [hit.verdict for hit in hits]
        with stage(self.metrics, "features"):
            rows = await session.serving_rows(swipes)
        matrix = feature_matrix(rows, [s.tx_id for s in swipes])
        with stage(self.metrics, "score"):
            result = await self.scorer.score(matrix)
        return combine_all(hits, result, self.scorer.thresholds, self.scorer.version)

    async def _refresh_model(self, session: Session) -> None:
        """Load the active model at start and re-check every ``scoring.model_poll_s``."""
        if time.monotonic() - self.checked_at < self.settings.scoring.model_poll_s:
            return
        self.checked_at = time.monotonic()
        version = await session.active_model_version()
        current = None if self.scorer is None else int(self.scorer.version)
        if version is None or version == current:
            return
        record = await session.active_model()
        if record is not None:
            self._use(record)

    def _use(self, record: ModelRecord) -> None:
        s = self.settings.scoring
        thresholds = record.thresholds.configured(s)
        if isinstance(self.scorer, LocalScorer):
            self.scorer.close()  # the replaced model's worker thread
        if s.backend == "sagemaker":
            columns = np.array([FEATURES.index(f) for f in record.features], dtype=np.intp)
            self.scorer = SageMakerScorer(
                self.sagemaker, s.sagemaker_endpoint or "", str(record.version), thresholds, columns
            )
        else:
            self.scorer = LocalScorer(
                record, reason_codes=s.reason_codes, thresholds=thresholds, n_jobs=SCORER_THREADS
            )
        if self.metrics is not None:
            self.metrics.model_info.clear()
            self.metrics.model_info.labels(version=str(record.version), backend=s.backend).set(1)
            self.metrics.model_created.set(record.created_at.timestamp())
        log.info(
            "scoring.model_loaded",
            version=record.version,
            backend=s.backend,
            review=thresholds.review,
            block=thresholds.block,
        )


class RedshiftMLEngine:
    """``redshift-ml``: Redshift computes the features and the score in one statement."""

    def __init__(self, settings: Settings) -> None:
        s = settings.scoring
        self.rules = RulesEngine(settings)
        self.sql = RedshiftMLScoring(settings, Thresholds(s.review_threshold, s.block_threshold))

    async def score_batch(self, session: Session, swipes: list[Swipe]) -> list[Verdict]:
        hits = await self.rules.hits(session, swipes)
        _, scores = await self.sql.features_and_scores(session, swipes)
        result = ScoreResult(scores, [()] * len(scores))
        return combine_all(hits, result, self.sql.thresholds, self.sql.version)


def combine_all(
    hits: list[RuleHit], result: ScoreResult, thresholds: Thresholds, version: str
) -> list[Verdict]:
    """Model scores → decisions, with the rules in front."""
    decisions = decide(result.scores, thresholds)
    return [
        _combine(hit, float(score), decision, reasons, version)
        for hit, score, decision, reasons in zip(
            hits, result.scores, decisions, result.reasons, strict=True
        )
    ]


def _combine(
    hit: RuleHit, score: float, decision: Decision, reasons: tuple[Reason, ...], version: str
) -> Verdict:
    """Rules in front: final rule hits stand; otherwise the stricter decision, reasons of both."""
    own = hit.verdict
    if hit.final:
        return Verdict(max(score, own.score), own.decision, own.reasons, version)
    return Verdict(score, stronger(decision, own.decision), own.reasons + reasons, version)


def build_engine(
    settings: Settings, metrics: Metrics | None = None, sagemaker: Any = None
) -> Engine:
    """The engine for ``settings.scoring.backend``."""
    backend = settings.scoring.backend
    if backend == "rules":
        return RulesEngine(settings, metrics)
    if backend == "redshift-ml":
        return RedshiftMLEngine(settings)
    return ModelEngine(settings, metrics, sagemaker)
