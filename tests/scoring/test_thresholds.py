"""Score thresholds (fraudd/scoring/thresholds.py): stored with a model, overridden by what
the scoring settings configure (one helper, used by every scorer that loads a model)."""

from __future__ import annotations

from fraudd.scoring.thresholds import Thresholds
from fraudd.settings import ScoringSettings


def test_threshold_overrides() -> None:
    merged = Thresholds(review=0.5, block=None).overridden(review=None, block=0.9)
    assert merged == Thresholds(review=0.5, block=0.9)
    assert Thresholds.from_dict(merged.as_dict()) == merged
    configured = Thresholds(review=0.5, block=0.8).configured(ScoringSettings(block_threshold=0.95))
    assert configured == Thresholds(review=0.5, block=0.95)
