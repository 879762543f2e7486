"""Invariant 4 through the stream and the running loop: hostile records (a corpus of every kind
the issue lists, plus hypothesis-generated ones) are quarantined with their reason and raw bytes
(card numbers masked), counted in the metric, and the good records around them are decided."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings

from fraudd.pan import find_pans
from fraudd.records import REJECT_REASONS
from tests.reliability.bad_input import bad_input
from tests.reliability.hostile import corpus, expected_reason, hostile_bytes
from tests.reliability.scale import Scale

pytestmark = pytest.mark.timeout(600)


def test_corpus_covers_every_reject_reason() -> None:
    reasons = {h.reason for h in corpus()}
    assert set(REJECT_REASONS) <= reasons
    assert sum(1 for h in corpus() if find_pans(h.data)) >= 3


@settings(max_examples=300, deadline=None)
@given(hostile_bytes)
def test_validator_never_raises_on_hostile_bytes(data: bytes) -> None:
    reason = expected_reason(data)
    assert reason is None or reason in REJECT_REASONS


async def test_hostile_records_quarantined_and_counted(local_stack: Any, scale: Scale) -> None:
    t = await bad_input(local_stack, scale)
    print(t.as_dict())
    d = t.details
    assert d["settled"], d
    assert t.lost == 0 and t.doubled == 0, d
    assert d["quarantine_mismatches"] == []
    assert t.dead_letters == d["hostile_bad"]  # dead-letter count = bad records written
    assert d["dead_letters_metric_by_reason"] == d["dead_letters_expected_by_reason"]
    assert sum(d["dead_letters_metric_by_reason"].values()) == d["hostile_bad"]
    assert t.decisions == t.records_in - t.dead_letters
    assert d["producer_dropped"] == 0
    assert d["pan_records"] >= 3 and d["pan_records_masked"] == d["pan_records"]
