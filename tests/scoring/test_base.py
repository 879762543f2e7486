"""ScoreResult: what every scoring backend returns (one reasons tuple per score)."""

from __future__ import annotations

import numpy as np
import pytest

from fraudd.scoring.base import ScoreResult
from fraudd.scoring.verdict import Reason


def test_one_reasons_tuple_per_score() -> None:
    reason = Reason("amount", "amount is high")
    result = ScoreResult(np.array([0.2, 0.9]), [(), (reason,)])
    assert result.reasons[1] == (reason,)
    assert ScoreResult(np.empty(0), []).scores.size == 0


@pytest.mark.parametrize("reasons", [[()], [(), (), ()]])
def test_a_misaligned_result_is_refused(reasons: list[tuple[Reason, ...]]) -> None:
    with pytest.raises(ValueError, match="one reasons tuple per score"):
        ScoreResult(np.array([0.2, 0.9]), reasons)
