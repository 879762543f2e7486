"""Faults through the real clients and processes: Kinesis partial failures and throttling,
GetRecords throttling and expired iterators, PostgreSQL restarted with its backends killed,
SNS unreachable, a slow then stalled warehouse. After each: nothing lost, nothing doubled, the
loop recovers by itself, and /readyz said not-ready while a dependency was down."""

from __future__ import annotations

from typing import Any

import pytest

from tests.reliability import fault_runs
from tests.reliability.ledger import Tally
from tests.reliability.scale import Scale

pytestmark = pytest.mark.timeout(600)

RECOVERY_S = 30.0  # from the fault cleared to the first decision (or alert) again


def assert_clean(t: Tally, resent: int = 0) -> None:
    """Nothing lost or doubled; ``resent`` copies of records (ambiguous puts) quarantined."""
    print(t.as_dict())
    assert t.details["settled"], t.details
    assert t.lost == 0, t.details
    assert t.doubled == 0, t.details
    assert t.details["stream_copies_beyond_first"] == resent
    assert t.dead_letters == resent == t.details["dead_letter_reasons"].get("duplicate_tx_id", 0)
    assert t.decisions == t.records_in - resent
    assert t.alerts_missing == 0 and t.details["alerts_unexpected"] == 0
    assert t.details["producer_dropped"] == 0


async def test_put_records_partial_failures_and_throttling(local_stack: Any, scale: Scale) -> None:
    t = await fault_runs.put_records_faults(local_stack, scale)
    injected = t.details["injected"]
    # only failed entries and those of lost replies were resent
    assert_clean(t, resent=injected.get("entries_in_lost_replies", 0))
    assert injected["entries_failed"] > 0.05 * scale.fault_records
    assert injected["replies_lost"] > 0 and injected["calls_throttled"] > 0


async def test_get_records_throttling_and_expired_iterators(local_stack: Any, scale: Scale) -> None:
    t = await fault_runs.get_records_faults(local_stack, scale)
    assert_clean(t)
    assert t.details["injected"].get("calls_throttled", 0) > 0


async def test_postgres_restart_and_killed_backends(local_stack: Any, scale: Scale) -> None:
    t = await fault_runs.postgres_restart(local_stack, scale)
    assert_clean(t)
    assert t.details["backends_terminated"] > 0
    assert t.details["not_ready_after_s"] is not None, "/readyz never said not-ready"
    assert t.details["not_ready_after_s"] < 10
    assert t.recovery_s is not None and t.recovery_s < RECOVERY_S
    assert t.details["ready_again_s"] is not None and t.details["ready_again_s"] < RECOVERY_S
    assert t.details["not_live_answers_during_outage"] == 0  # waiting is not being stuck


async def test_sns_unreachable(local_stack: Any, scale: Scale) -> None:
    t = await fault_runs.sns_outage(local_stack, scale)
    assert_clean(t)
    assert t.details["injected"]["calls_refused"] > 0
    assert t.details["injected"]["publish_entries_failed"] > 0
    assert t.details["not_ready_after_s"] is not None, "/readyz never said not-ready"
    assert t.recovery_s is not None and t.recovery_s < RECOVERY_S
    assert t.details["ready_again_s"] is not None


async def test_slow_then_stalled_warehouse(local_stack: Any, scale: Scale) -> None:
    t = await fault_runs.slow_warehouse(local_stack, scale)
    assert_clean(t)
    assert t.details["decided_while_slow"] > 0  # slow is not down: work went on
    assert t.recovery_s is not None and t.recovery_s < RECOVERY_S
