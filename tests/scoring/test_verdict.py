"""Decisions order by severity; reason codes serialise for alerts."""

from __future__ import annotations

import itertools

import pytest

from fraudd.scoring.verdict import DECISION_RANK, Decision, Reason, stronger

ORDER: tuple[Decision, ...] = ("approve", "review", "block")


def test_ranks_follow_severity() -> None:
    assert sorted(DECISION_RANK, key=DECISION_RANK.__getitem__) == list(ORDER)


@pytest.mark.parametrize(("a", "b"), list(itertools.product(ORDER, repeat=2)))
def test_stronger_is_the_more_severe_either_way(a: Decision, b: Decision) -> None:
    expected = ORDER[max(ORDER.index(a), ORDER.index(b))]
    assert stronger(a, b) == stronger(b, a) == expected


def test_reason_as_dict_is_the_alert_form() -> None:
    assert Reason("velocity", "9 swipes within 60 s").as_dict() == {
        "code": "velocity",
        "text": "9 swipes within 60 s",
    }
