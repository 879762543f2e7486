"""Feature importance on a model whose signal is known (fraud iff amount_ratio_30d > 3): the
feature carries the gain and is named among the top reasons of the alerts."""

from __future__ import annotations

import pandas as pd
import pytest

from fraudd.features import FEATURES
from fraudd.model.importance import feature_importance
from fraudd.scoring.thresholds import Thresholds
from tests.model.helpers import record, synthetic


def test_the_signal_feature_has_the_gain_and_the_reasons() -> None:
    x, _ = synthetic(2000, seed=3)
    frame = pd.DataFrame(x, columns=list(FEATURES))
    result = feature_importance(record({}), frame, Thresholds(review=0.5, block=None))
    assert result[0].name == "amount_ratio_30d"
    assert sorted(f.name for f in result) == sorted(FEATURES)  # every model feature, once
    top = result[0]
    assert top.gain_share > 0.9 and top.top_reason_share == 1.0
    assert sum(f.gain_share for f in result) == pytest.approx(1.0)
    assert all(0.0 <= f.top_reason_share <= 1.0 for f in result)


def test_no_alert_means_no_reason_counted() -> None:
    x, _ = synthetic(300, seed=4)
    frame = pd.DataFrame(x, columns=list(FEATURES))
    result = feature_importance(record({}), frame, Thresholds(review=None, block=None))
    assert all(f.top_reason_share == 0.0 for f in result)
    assert result[0].gain_share > 0.9  # the gain does not depend on the alerts
