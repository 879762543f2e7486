"""The run figures (fraudd/warehouse/api/figures.py) on each implementation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fraudd.warehouse.api.labels import Label
from fraudd.warehouse.api.stream import Advance, Decided, Watermark
from tests.warehouse.contract.env import ContractEnv
from tests.warehouse.contract.test_operations import SHARD_A, record, swipe


async def test_run_figures_count_the_run_and_its_latency(contract: ContractEnv) -> None:
    since = datetime(2026, 11, 30, tzinfo=UTC)  # the swipes were produced on that day
    rec = [record(SHARD_A, n, b"x") for n in range(3)]
    await contract.append(rec)
    swipes = [swipe("f1"), swipe("f2", 900.0), swipe("f3", 15.0)]
    decisions = ("approve", "block", "review")
    async with contract.deps.warehouse.session() as s:
        async with s.transaction():
            await s.begin_decide()
            await s.store_transactions(swipes)
            await s.record_batch(
                "g",
                [Decided(r, w, 0.5, d, [], "v1", {"alert_id": w.tx_id} if d != "approve" else None)
                 for r, w, d in zip(rec, swipes, decisions, strict=True)],
                [],
                [Advance(SHARD_A, None, Watermark(rec[2].sequence_number, None))],
            )  # fmt: skip
        labelled = datetime(2026, 12, 1, tzinfo=UTC)
        truth = (("f1", True), ("f2", True), ("f3", False))
        labels = [Label(t, fraud, labelled) for t, fraud in truth]
        await s.insert_labels(labels, "test")
        counts = await s.run_counts(since)
        caught = await s.run_caught(since)
        latency = await s.run_latency(since)
        later = await s.run_counts(datetime.now(UTC) + timedelta(days=3650))
    assert (counts.in_stream, counts.decided, counts.dead_lettered) == (3, 3, 0)
    assert (counts.alerts, counts.alerts_published, counts.blocks_decided) == (2, 0, 1)
    assert (caught.fraud_decided, caught.fraud_caught, caught.fraud_blocked) == (2, 1, 1)
    assert caught.legit_alerted == 1
    assert latency.p50 is not None and latency.max is not None
    assert 0 <= latency.p50 <= latency.p95 <= latency.p99 <= latency.max  # type: ignore[operator]
    assert (later.decided, later.alerts) == (0, 0)
