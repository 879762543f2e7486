"""The local scorer: scores, reason codes only for alert rows, off-loop scoring of big batches."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from fraudd.features import FEATURES
from fraudd.model.record import ModelRecord
from fraudd.scoring.decision import decide
from fraudd.scoring.local import INLINE_ROWS, LocalScorer, load_local_scorer
from fraudd.scoring.thresholds import Thresholds
from fraudd.settings import ScoringSettings
from tests.model.helpers import RATIO, record, synthetic


@pytest.fixture(scope="module")
def scorer() -> LocalScorer:
    return LocalScorer(record({"review": 0.5, "block": 0.95}), reason_codes=2)


async def test_scores_and_reason_codes(scorer: LocalScorer) -> None:
    x, y = synthetic(500, seed=1)
    result = await scorer.score(x)
    assert result.scores.shape == (500,) and result.scores.dtype == np.float64
    assert ((result.scores > 0.5) == (y > 0)).mean() > 0.95
    explained = [i for i, r in enumerate(result.reasons) if r]
    assert explained == np.flatnonzero(result.scores >= 0.5).tolist()
    for i in explained:
        top = result.reasons[i][0]
        assert top.code == "amount_ratio_30d"
        assert top.text == f"amount is {x[i, RATIO]:.1f}× the card's 30-day average"
        assert len(result.reasons[i]) <= 2
    decisions = decide(result.scores, scorer.thresholds)
    assert {"approve", "review", "block"} >= set(decisions)
    assert decisions.count("approve") == int((result.scores < 0.5).sum())


async def test_large_batches_score_off_the_loop_with_the_same_result(scorer: LocalScorer) -> None:
    x, _ = synthetic(INLINE_ROWS * 3, seed=2)
    threaded = await scorer.score(x)
    inline = scorer.score_sync(x)
    np.testing.assert_array_equal(threaded.scores, inline.scores)
    assert threaded.reasons == inline.reasons


def test_configured_thresholds_override_and_disabled_explanations() -> None:
    quiet = LocalScorer(
        record({"review": None, "block": None}), thresholds=Thresholds(review=None, block=None)
    )
    x, _ = synthetic(50, seed=3)
    result = quiet.score_sync(x)
    assert result.reasons == [()] * 50
    assert quiet.score_sync(np.empty((0, len(FEATURES)))).scores.size == 0


def test_model_with_unknown_features_is_refused() -> None:
    bad = record({"review": 0.5, "block": None})
    bad.metadata["features"] = [*FEATURES, "no_such_feature"]
    with pytest.raises(ValueError, match="no_such_feature"):
        LocalScorer(bad)


def test_rows_are_explained_from_the_review_threshold_else_the_block_threshold() -> None:
    model = record({"review": None, "block": None})
    assert LocalScorer(model, thresholds=Thresholds(0.4, 0.9)).explain_from == 0.4
    assert LocalScorer(model, thresholds=Thresholds(None, 0.9)).explain_from == 0.9
    assert LocalScorer(model, thresholds=Thresholds(None, None)).explain_from == np.inf


class Registry:
    def __init__(self, found: ModelRecord | None) -> None:
        self.found = found

    async def active_model(self) -> ModelRecord | None:
        return self.found


async def test_load_local_scorer_applies_the_configured_overrides() -> None:
    model = record({"review": 0.5, "block": 0.95}, version=9)
    settings = ScoringSettings(block_threshold=0.8, reason_codes=1)
    scorer = await load_local_scorer(Registry(model), settings, n_jobs=1)  # type: ignore[arg-type]
    assert scorer is not None and scorer.version == "9" and scorer.reason_codes == 1
    assert scorer.thresholds == Thresholds(review=0.5, block=0.8)
    other = dataclasses.replace(model, backend="sagemaker")
    assert await load_local_scorer(Registry(other), settings) is None  # type: ignore[arg-type]
    assert await load_local_scorer(Registry(None), settings) is None  # type: ignore[arg-type]
