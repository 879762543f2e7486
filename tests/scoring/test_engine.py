"""The scoring engine: rules in front of the model, which backend is built, and how the active
model is picked up. Pure logic; the engine on a real warehouse is tests/tasks/test_consumer.py,
tests/e2e/test_model_loop.py and tests/scoring/test_redshift_ml.py."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import numpy as np
import pytest
from prometheus_client import CollectorRegistry
from structlog.testing import capture_logs

from fraudd.features import FEATURES
from fraudd.metrics import create_metrics
from fraudd.model.record import ModelRecord
from fraudd.rules.inputs import rule_schema
from fraudd.scoring.base import ScoreResult
from fraudd.scoring.engine import (
    ModelEngine,
    ModelScores,
    RedshiftMLEngine,
    RulesEngine,
    build_engine,
    verdicts,
)
from fraudd.scoring.local import LocalScorer
from fraudd.scoring.policy import RuleRun, compile_version
from fraudd.scoring.sagemaker import SageMakerScorer
from fraudd.scoring.thresholds import Thresholds
from fraudd.scoring.verdict import Reason, Verdict
from fraudd.settings import Settings
from fraudd.warehouse import RuleSetVersion
from tests.model.helpers import record

MODEL = Reason("amount_ratio_30d", "amount is 5.0× the card's 30-day average")
AMOUNT = Reason("amount_review", "amount ≥ review limit 500.00")
ALLOWED = Reason("allow_listed", "card is on the allow-list")
LISTED = Reason("block_listed", "card is on the block-list")
THRESHOLDS = Thresholds(review=0.5, block=0.9)
RULES = """
[lists.allow]
type = "string"
values = ["tok_allowed"]

[lists.block]
type = "string"
values = ["tok_blocked"]

[[rules]]
name = "allow_listed"
description = "card is on the allow-list"
when = "card_token in @allow"
outcome = "approve"

[[rules]]
name = "block_listed"
description = "card is on the block-list"
when = "card_token in @block"
outcome = "block"

[[rules]]
name = "amount_review"
description = "amount ≥ review limit 500.00"
when = "amount >= 500"
outcome = "review"
"""
LIVE = compile_version(
    RuleSetVersion(7, RULES, "", dt.datetime.now(dt.UTC), "ana", ""), rule_schema(Settings())
)


def combine(cards: list[str], amounts: list[float], scores: list[float]) -> list[Verdict]:
    """The live rule set in front of a model that scored ``scores`` (version "7")."""
    result = ScoreResult(np.array(scores), [(MODEL,) if s >= 0.5 else () for s in scores])
    model = ModelScores(result, THRESHOLDS, "7")
    columns = {"card_token": cards, "amount": np.array(amounts)}
    outcomes = LIVE.compiled.evaluate(columns, model.result.scores, model.decide)
    run = RuleRun(LIVE, outcomes, None)
    return verdicts(run, outcomes.score, result.reasons, model.version)


def test_the_model_decides_when_the_rules_see_nothing() -> None:
    verdicts = combine(["tok_x"] * 3, [10.0] * 3, [0.1, 0.6, 0.95])
    assert [v.decision for v in verdicts] == ["approve", "review", "block"]
    assert [v.score for v in verdicts] == [0.1, 0.6, 0.95]
    assert verdicts[1].reasons == (MODEL,) and verdicts[0].reasons == ()
    assert {v.model_version for v in verdicts} == {"7"}
    assert {(v.rule_set_version, v.rules) for v in verdicts} == {(7, ())}


def test_rules_make_the_model_stricter_never_looser() -> None:
    stricter, kept = combine(["tok_x"] * 2, [700.0] * 2, [0.1, 0.95])
    assert (stricter.decision, stricter.score, stricter.reasons) == ("review", 0.1, (AMOUNT,))
    assert (kept.decision, kept.reasons, kept.rules) == ("block", (AMOUNT, MODEL), (AMOUNT,))


def test_final_rule_hits_stand_whatever_the_model_says() -> None:
    approve, block = combine(["tok_allowed", "tok_blocked"], [10.0, 10.0], [0.99, 0.02])
    assert (approve.decision, approve.reasons, approve.score) == ("approve", (ALLOWED,), 0.99)
    assert (block.decision, block.reasons, block.score) == ("block", (LISTED,), 1.0)
    assert approve.model_version == block.model_version == "7"


def test_a_score_per_row_or_nothing() -> None:
    with pytest.raises(ValueError):
        combine(["tok_x"], [1.0], [0.1, 0.2])


BACKEND_NEEDS: dict[str, dict[str, Any]] = {
    "sagemaker": {"scoring": {"sagemaker_endpoint": "fraudd-endpoint"}},
    "redshift-ml": {
        "scoring": {"review_threshold": 0.5, "block_threshold": 0.9},
        "warehouse": {"dialect": "redshift"},
    },
}


def _settings(backend: str, **scoring: Any) -> Settings:
    base = Settings()
    needs = BACKEND_NEEDS.get(backend, {})
    changes = {
        "scoring": base.scoring.derive(backend=backend, **needs.get("scoring", {}), **scoring),
        "warehouse": base.warehouse.derive(**needs.get("warehouse", {})),
    }
    return base.derive(**changes)


@pytest.mark.parametrize(
    ("backend", "kind"),
    [("rules", RulesEngine), ("local", ModelEngine), ("sagemaker", ModelEngine),
     ("redshift-ml", RedshiftMLEngine)],
)  # fmt: skip
def test_build_engine_follows_the_backend(backend: str, kind: type) -> None:
    assert type(build_engine(_settings(backend))) is kind


@pytest.fixture(scope="module")
def trained() -> ModelRecord:
    return record({"review": 0.5, "block": 0.95})


def registered(model: ModelRecord, version: int, **thresholds: float | None) -> ModelRecord:
    """``model`` as registered version ``version`` with ``thresholds``."""
    metadata = {**model.metadata, "thresholds": thresholds}
    return dataclasses.replace(model, version=version, metadata=metadata)


class Registry:
    """The two reads the engine makes of the model registry."""

    def __init__(self, *records: ModelRecord) -> None:
        self.records = list(records)
        self.reads = 0

    async def active_model_version(self) -> int | None:
        self.reads += 1
        return self.records[-1].version if self.records else None

    async def active_model(self) -> ModelRecord | None:
        return self.records[-1] if self.records else None


async def test_the_active_model_is_loaded_then_rechecked_every_poll(trained: ModelRecord) -> None:
    metrics = create_metrics(CollectorRegistry())
    engine = ModelEngine(_settings("local", model_poll_s=3600), metrics)
    registry: Any = Registry()
    await engine._refresh_model(registry)
    assert engine.scorer is None  # rules alone until a model is registered
    engine.checked_at = float("-inf")  # the poll interval has passed
    registry.records.append(registered(trained, 3, review=0.5, block=0.95))
    await engine._refresh_model(registry)
    await engine._refresh_model(registry)  # within the interval: not read again
    first = engine.scorer
    assert isinstance(first, LocalScorer) and first.version == "3" and registry.reads == 2
    sample = metrics.registry.get_sample_value
    assert sample("fraudd_model_info", {"version": "3", "backend": "local"}) == 1
    engine.checked_at = float("-inf")
    await engine._refresh_model(registry)  # same version: the scorer is kept
    assert engine.scorer is first
    registry.records.append(registered(trained, 4, review=0.6, block=None))
    engine.checked_at = float("-inf")
    await engine._refresh_model(registry)
    assert engine.scorer is not None and engine.scorer.version == "4"
    assert sample("fraudd_model_info", {"version": "3", "backend": "local"}) is None
    assert sample("fraudd_model_info", {"version": "4", "backend": "local"}) == 1


async def test_sagemaker_scores_the_model_columns_with_configured_thresholds(
    trained: ModelRecord,
) -> None:
    settings = _settings("sagemaker", block_threshold=0.8)
    model = registered(trained, 5, review=0.5, block=0.95)
    model.metadata["features"] = [FEATURES[3], FEATURES[0]]
    engine = ModelEngine(settings, sagemaker=object())
    await engine._refresh_model(Registry(model))  # type: ignore[arg-type]
    scorer = engine.scorer
    assert isinstance(scorer, SageMakerScorer) and scorer.endpoint == "fraudd-endpoint"
    assert scorer.thresholds == Thresholds(review=0.5, block=0.8)
    assert scorer._columns.tolist() == [3, 0]


async def test_a_model_of_another_catalog_activated_while_running_is_never_scored(
    trained: ModelRecord,
) -> None:
    """The consumer keeps the model it scores with (or the rules alone) and logs the refusal
    once: the new model's features would be computed by another catalog than at training."""
    engine = ModelEngine(_settings("local", model_poll_s=3600))
    registry: Any = Registry(registered(trained, 3, review=0.5, block=0.95))
    await engine._refresh_model(registry)
    first = engine.scorer
    other = registered(trained, 4, review=0.5, block=0.95)
    other.metadata["catalog"] = {"fingerprint": "0" * 64, "toml": ""}
    registry.records.append(other)
    with capture_logs() as logs:
        for _ in range(2):
            engine.checked_at = float("-inf")
            await engine._refresh_model(registry)
    assert engine.scorer is first and first is not None and first.version == "3"
    (refused,) = [e for e in logs if e["event"] == "scoring.model_refused"]
    assert refused["version"] == 4 and "retrain under this catalog" in refused["reason"]
