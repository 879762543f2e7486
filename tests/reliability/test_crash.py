"""Invariant 1 under SIGKILL: the daemon process is killed again and again (at random moments and
between scoring and commit, after a commit, after publishing alerts, after reading the stream)
and restarted; every record still gets exactly one decision and every alert arrives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.reliability.crash import CRASH_POINTS, crash_recovery
from tests.reliability.scale import Scale

pytestmark = pytest.mark.timeout(900)


async def test_nothing_lost_or_doubled_across_sigkills(
    local_stack: Any, scale: Scale, tmp_path: Path
) -> None:
    t = await crash_recovery(local_stack, scale, tmp_path / "daemon")
    print(t.as_dict())
    assert t.records_in >= scale.crash_records * 0.95  # a few swipes are declined at the till
    assert t.details["restarts"] >= scale.crash_kills
    reached = [k for k in t.details["kills"] if k.endswith(": crashpoint")]
    for point in CRASH_POINTS[: scale.crash_kills]:
        assert any(k.startswith(point) for k in reached), f"{point} never hit: {t.details}"
    assert t.lost == 0, t.details
    assert t.doubled == 0, t.details
    assert t.decisions == t.records_in and t.dead_letters == 0
    assert t.alerts_expected > 0 and t.alerts_missing == 0
    assert t.details["alerts_unexpected"] == 0
    assert t.recovery_s is not None and t.recovery_s < 60  # process start → first commit
