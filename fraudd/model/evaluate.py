"""Evaluate a model on a test period with the handbook's protocol (see :mod:`.protocol`).

Features come from the training path (the warehouse's training rows, from the one feature
definition) so that the test transactions are scored exactly as the served model would have
scored them; known-compromised cards come from the warehouse's ``known_frauds``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import structlog

from fraudd.feature_catalog import Catalog
from fraudd.features import training_features
from fraudd.model.friction import friction, recall_per_scenario
from fraudd.model.importance import feature_importance
from fraudd.model.protocol import (
    EvalWindow,
    card_precision_top_k,
    pooled_scores,
    remove_known_compromised,
)
from fraudd.model.record import ModelRecord
from fraudd.scoring.thresholds import Thresholds
from fraudd.warehouse import Session

log = structlog.get_logger(__name__)

CP_K = 100


@dataclass(frozen=True)
class Evaluation:
    """Test metrics; ``as_json()`` is what ``fraudd evaluate`` prints."""

    auc_roc: float
    average_precision: float
    card_precision_at_100: float
    n_transactions: int
    n_frauds: int
    n_cards: int
    n_removed_known: int
    test_start: str
    test_days: int
    delay_days: int
    known_days: int
    card_precision_per_day: list[float] = field(default_factory=list)
    model_version: int | None = None
    recall_per_scenario: list[dict[str, Any]] = field(default_factory=list)
    """Per fraud scenario (when the labels carry one): see :mod:`.friction`."""
    feature_importance: list[dict[str, Any]] = field(default_factory=list)
    """Per model feature: gain and top-reason share, see :mod:`.importance`."""
    friction: dict[str, Any] | None = None
    """What the model's thresholds cost genuine cardholders, see :mod:`.friction`."""

    def as_dict(self) -> dict[str, Any]:
        """Plain data."""
        return asdict(self)

    def as_json(self) -> str:
        """Indented JSON."""
        return json.dumps(self.as_dict(), indent=2)


def evaluate_scores(
    test: pd.DataFrame,
    scores: np.ndarray,
    frauds: pd.DataFrame,
    window: EvalWindow,
    model_version: int | None = None,
) -> tuple[Evaluation, pd.DataFrame]:
    """Apply the protocol to scored test rows (``tx_time``, ``card_token``, ``is_fraud``).

    ``frauds`` (``tx_time``, ``card_token``) must cover ``[known_start, test_end - delay)``.
    Returns the metrics and the kept rows (``tx_id`` too if ``test`` has it) with their
    ``score``.
    """
    columns = ["tx_id"] if "tx_id" in test.columns else []
    scored = test.loc[:, [*columns, "tx_time", "card_token", "is_fraud"]].assign(score=scores)
    kept = remove_known_compromised(scored, frauds, window)
    labels = kept["is_fraud"].to_numpy()
    auc, ap = pooled_scores(labels, kept["score"].to_numpy())
    per_day = card_precision_top_k(kept, window, CP_K)
    evaluation = Evaluation(
        auc_roc=auc,
        average_precision=ap,
        card_precision_at_100=float(np.mean(per_day)),
        n_transactions=len(kept),
        n_frauds=int(labels.sum()),
        n_cards=int(kept["card_token"].nunique()),
        n_removed_known=len(scored) - len(kept),
        test_start=window.test_start.isoformat(),
        test_days=window.test_days,
        delay_days=window.delay_days,
        known_days=window.known_days,
        card_precision_per_day=per_day,
        model_version=model_version,
    )
    return evaluation, kept


async def known_frauds(session: Session, window: EvalWindow) -> pd.DataFrame:
    """Fraudulent (card_token, tx_time) the protocol treats as known before some test day."""
    end = window.test_end - pd.Timedelta(days=window.delay_days)
    rows = await session.known_frauds(window.known_start.to_pydatetime(), end.to_pydatetime())
    frame = pd.DataFrame(rows, columns=["card_token", "tx_time"])
    frame["tx_time"] = pd.to_datetime(frame["tx_time"], utc=True)
    return frame


def model_scores(record: ModelRecord, frame: pd.DataFrame) -> np.ndarray:
    """Scores of the local model for feature rows (columns by name, in the model's order)."""
    x = frame.loc[:, list(record.features)].to_numpy(np.float32)
    return np.asarray(record.booster().inplace_predict(x), dtype=np.float64)


async def fraud_scenarios(session: Session, window: EvalWindow) -> pd.Series:
    """``fraud_scenario`` of each labelled fraud of the test period, by ``tx_id`` (empty when the
    labels carry none)."""
    rows = await session.fraud_scenarios(
        window.test_start.to_pydatetime(), window.test_end.to_pydatetime()
    )
    return pd.Series(dict(rows), dtype="float64")


def breakdown(
    record: ModelRecord,
    test: pd.DataFrame,
    kept: pd.DataFrame,
    scenarios: pd.Series,
    thresholds: Thresholds,
    reason_codes: int = 3,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """The fields of :class:`Evaluation` that say where detection comes from and what the
    ``thresholds`` cost, for the kept test rows (``test`` holds their features of ``catalog``)."""
    kept_features = test.loc[test["tx_id"].isin(kept["tx_id"])]
    return {
        "recall_per_scenario": [
            asdict(r) for r in recall_per_scenario(kept, scenarios, thresholds)
        ],
        "feature_importance": [
            asdict(f)
            for f in feature_importance(record, kept_features, thresholds, reason_codes, catalog)
        ],
        "friction": asdict(friction(kept, thresholds)),
    }


async def evaluate_model(
    session: Session,
    record: ModelRecord,
    window: EvalWindow,
    *,
    thresholds: Thresholds | None = None,
    reason_codes: int = 3,
) -> tuple[Evaluation, pd.DataFrame]:
    """Compute test features, score them with ``record``, apply the protocol, and break the
    result down by scenario, feature and friction of ``thresholds`` (default: the model's)."""
    test = await training_features(
        session, window.test_start.to_pydatetime(), window.test_end.to_pydatetime()
    )
    frauds = await known_frauds(session, window)
    evaluation, kept = evaluate_scores(
        test, model_scores(record, test), frauds, window, record.version
    )
    if evaluation.n_frauds > 0:
        extra = breakdown(
            record,
            test,
            kept,
            await fraud_scenarios(session, window),
            record.thresholds if thresholds is None else thresholds,
            reason_codes,
            session.catalog,
        )
        evaluation = replace(evaluation, **extra)
    log.info(
        "model.evaluated",
        version=record.version,
        auc_roc=round(evaluation.auc_roc, 4),
        average_precision=round(evaluation.average_precision, 4),
        card_precision_at_100=round(evaluation.card_precision_at_100, 4),
        transactions=evaluation.n_transactions,
        frauds=evaluation.n_frauds,
    )
    return evaluation, kept
