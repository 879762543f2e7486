"""The scoring engine the consumer calls: the live rule set in front, a model (when configured)
behind.

Rules are the override layer (:mod:`fraudd.rules.decide`): an approve rule (the allow-list)
approves and a block rule blocks whatever the model says; otherwise the model's decision stands,
made stricter (never looser) by review rules and score adjustments. Until a model is
registered, the rules decide alone. Every verdict names the live rule-set version and the rules
that matched; a version in shadow is evaluated alongside and only recorded.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import structlog

from fraudd.features import feature_matrix, refusal
from fraudd.metrics import Metrics, stage
from fraudd.model.record import ModelRecord
from fraudd.records import Swipe
from fraudd.rules.inputs import feature_columns, record_columns
from fraudd.rules.legacy import VELOCITY
from fraudd.scoring.base import Scorer, ScoreResult
from fraudd.scoring.decision import decide
from fraudd.scoring.local import LocalScorer
from fraudd.scoring.policy import Policy, RuleRun
from fraudd.scoring.redshift_ml import RedshiftMLScoring
from fraudd.scoring.rules import RULES_VERSION, rules_only_scores
from fraudd.scoring.sagemaker import SageMakerScorer
from fraudd.scoring.thresholds import Thresholds
from fraudd.scoring.verdict import DECISION_RANK, Decision, Reason, Verdict
from fraudd.settings import Settings
from fraudd.warehouse import Session

log = structlog.get_logger(__name__)
SCORER_THREADS = 1
"""XGBoost threads for the consumer's batches (hundreds to a few thousand rows). A second
OpenMP thread costs more in synchronisation than it saves at that size, and far more when the
host's cores are shared with the warehouse: 1,000 rows took 16.2 ms with two threads and 1.8 ms
with one on a 2-core machine under load (``python -m bench scoring``)."""


class Engine(Protocol):
    async def prepare(self, session: Session) -> None:
        """Load what scoring needs (the rule sets, the model), outside the batch transaction."""

    async def score_batch(self, session: Session, swipes: list[Swipe]) -> list[Verdict]:
        """One verdict per swipe, in order. Runs inside the consumer's batch transaction, where
        it also records what the rule sets (live and shadow) said about each swipe."""


class RulesEngine:
    """The live rule set (:mod:`fraudd.scoring.policy`); alone, it is the product's behaviour
    before a model is trained, and the model engines put it in front of their scores."""

    def __init__(self, settings: Settings, metrics: Metrics | None = None) -> None:
        self.policy = Policy(settings)
        self.settings = settings
        self.metrics = metrics
        self.catalog = settings.features.selected()

    async def prepare(self, session: Session) -> None:
        await self.policy.refresh(session)

    async def inputs(
        self, session: Session, swipes: list[Swipe], features: np.ndarray | None = None
    ) -> dict[str, Any]:
        """The batch's columns the rules read: the swipes' fields (declared ones included),
        their velocities and the catalog's features the rules read — from ``features`` (the
        batch's serving feature matrix, when a model needed it) or computed here."""
        with stage(self.metrics, "velocity"):
            counts = await session.velocities(swipes, self.settings.rules.velocity_window_s)
        velocities = [counts.get(s.tx_id, 1) for s in swipes]
        columns = record_columns(swipes, velocities, self.settings.fields.declared)
        read = self.policy.features_read
        if read and features is None:
            features = await self.features(session, swipes)
        if read and features is not None:
            columns.update(feature_columns(features, self.catalog.features, read))
        return columns

    async def features(self, session: Session, swipes: list[Swipe]) -> np.ndarray:
        """The batch's serving features (the configured catalog's, in its order)."""
        with stage(self.metrics, "features"):
            rows = await session.serving_rows(swipes)
        return feature_matrix(rows, [s.tx_id for s in swipes], len(self.catalog.features))

    async def decide(
        self,
        session: Session,
        swipes: list[Swipe],
        columns: dict[str, Any],
        model: ModelScores | None = None,
    ) -> list[Verdict]:
        """The rule sets over the batch, combined with the ``model``'s scores when one scored;
        the rule results are recorded in the batch's transaction."""
        with stage(self.metrics, "rules"):
            if model is None:
                run = self.policy.run(columns)
            else:
                run = self.policy.run(columns, model.result.scores, model.decide)
        await session.record_rule_results(run.results([s.tx_id for s in swipes]))
        if model is None:
            scores = rules_only_scores(columns["amount"], columns[VELOCITY], self.settings.rules)
            return verdicts(run, scores, [()] * len(swipes), RULES_VERSION, approved=0.0)
        return verdicts(run, run.outcomes.score, model.result.reasons, model.version)

    async def score_batch(self, session: Session, swipes: list[Swipe]) -> list[Verdict]:
        return await self.decide(session, swipes, await self.inputs(session, swipes))


@dataclass(frozen=True)
class ModelScores:
    """What a model said about a batch: scores and reasons, its thresholds and version."""

    result: ScoreResult
    thresholds: Thresholds
    version: str

    def decide(self, scores: np.ndarray) -> list[Decision]:
        """Scores (adjusted by the rules) → the model's decisions."""
        return decide(scores, self.thresholds)


def verdicts(
    run: RuleRun,
    scores: np.ndarray,
    model_reasons: Sequence[tuple[Reason, ...]],
    version: str,
    approved: float | None = None,
) -> list[Verdict]:
    """One verdict per row of the live rule set's outcome. A rule's block or approve is final:
    the matched rules are its reasons, a block's score is 1 and an approve's ``approved``
    (None: the model's); otherwise the model's reasons follow the rules'."""
    o = run.outcomes
    blocked = o.final & (o.decision_rank == DECISION_RANK["block"])
    score = np.where(blocked, 1.0, scores)
    if approved is not None:
        score = np.where(o.final & ~blocked, approved, score)
    out: list[Verdict] = []
    for i, (decision, matched) in enumerate(zip(o.decisions, o.matched, strict=True)):
        rules = run.live.reasons_of(matched)
        reasons = rules if o.final[i] else rules + model_reasons[i]
        out.append(Verdict(
            float(score[i]), decision, reasons, version, run.live.version, rules,
            run.live.lists_revision,
        ))  # fmt: skip
    return out


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
        self.catalog = settings.features.selected()
        self.refused: int | None = None

    async def prepare(self, session: Session) -> None:
        await self.rules.prepare(session)
        await self._refresh_model(session)

    async def score_batch(self, session: Session, swipes: list[Swipe]) -> list[Verdict]:
        if self.scorer is None:  # the rules alone (they compute the features they read)
            return await self.rules.score_batch(session, swipes)
        matrix = await self.rules.features(session, swipes)
        columns = await self.rules.inputs(session, swipes, matrix)
        with stage(self.metrics, "score"):
            result = await self.scorer.score(matrix)
        model = ModelScores(result, self.scorer.thresholds, self.scorer.version)
        return await self.rules.decide(session, swipes, columns, model)

    async def _refresh_model(self, session: Session) -> None:
        """Load the active model at start and re-check every ``scoring.model_poll_s``."""
        if time.monotonic() - self.checked_at < self.settings.scoring.model_poll_s:
            return
        self.checked_at = time.monotonic()
        version = await session.active_model_version()
        current = None if self.scorer is None else int(self.scorer.version)
        if version is None or version in (current, self.refused):
            return
        record = await session.active_model()
        if record is None:
            return
        why = refusal(record, self.catalog)
        if why is None:
            self._use(record)
            return
        # Never score a model with features of another catalog (start-up refuses one; this is
        # a model activated while running): keep the current model, or the rules alone.
        self.refused = record.version
        log.error("scoring.model_refused", version=record.version, reason=why)

    def _use(self, record: ModelRecord) -> None:
        s = self.settings.scoring
        thresholds = record.thresholds.configured(s)
        if isinstance(self.scorer, LocalScorer):
            self.scorer.close()  # the replaced model's worker thread
        if s.backend == "sagemaker":
            names = self.catalog.features
            columns = np.array([names.index(f) for f in record.features], dtype=np.intp)
            self.scorer = SageMakerScorer(
                self.sagemaker, s.sagemaker_endpoint or "", str(record.version), thresholds, columns
            )
        else:
            self.scorer = LocalScorer(
                record,
                reason_codes=s.reason_codes,
                thresholds=thresholds,
                n_jobs=SCORER_THREADS,
                catalog=self.catalog,
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

    async def prepare(self, session: Session) -> None:
        await self.rules.prepare(session)

    async def score_batch(self, session: Session, swipes: list[Swipe]) -> list[Verdict]:
        features, scores = await self.sql.features_and_scores(session, swipes)
        columns = await self.rules.inputs(session, swipes, features)
        result = ScoreResult(scores, [()] * len(scores))
        model = ModelScores(result, self.sql.thresholds, self.sql.version)
        return await self.rules.decide(session, swipes, columns, model)


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
