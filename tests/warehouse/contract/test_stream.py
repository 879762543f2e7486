"""The stream area (fraudd/warehouse/{api,postgres,redshift,shared}/stream.py) on each
implementation: reading the view past the watermarks, committing a batch's decisions, outbox,
dead letters and watermarks in one transaction, refreshing the view, and the consumer's use of
them (bounded polls, quarantined records, stage timings)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fraudd.warehouse import WatermarkConflict
from fraudd.warehouse.stream import Advance, DeadLetter, Decided, DecidedBatch, Watermark
from tests.warehouse.contract.env import BASE, SHARD_A, SHARD_B, ContractEnv, record, swipe


async def test_pending_reads_past_each_watermark_in_order_with_aware_times(
    contract: ContractEnv,
) -> None:
    await contract.append([record(SHARD_A, n, b"a%d" % n) for n in (3, 1, 2)])
    await contract.append([record(SHARD_B, n, b"b%d" % n) for n in range(5)])
    async with contract.deps.warehouse.session() as s:
        assert sorted(await s.stream_shards(None)) == [SHARD_A, SHARD_B]
        rows = await s.pending({SHARD_A: None, SHARD_B: Watermark(str(BASE + 1))}, 2)
    got = [(r.shard_id, int(r.sequence_number) - BASE) for r in rows]
    assert sorted(got) == [(SHARD_A, 1), (SHARD_A, 2), (SHARD_B, 2), (SHARD_B, 3)]
    assert all(r.arrived_at.tzinfo is not None for r in rows)  # naive on Redshift's view
    assert all(isinstance(r.data, bytes) for r in rows)


async def test_a_batch_commits_decisions_outbox_dead_letters_and_watermarks(
    contract: ContractEnv,
) -> None:
    rec = [record(SHARD_A, n, b"x") for n in range(3)]
    s1, s2 = swipe("t1"), swipe("t2", 900.0)
    alert = {"alert_id": "t2", "card_last4": "4242"}
    async with contract.deps.warehouse.session() as s:
        async with s.transaction():
            await s.begin_decide()
            assert await s.store_transactions([s1, s2]) == {"t1", "t2"}
            await s.record_batch(DecidedBatch(
                "g",
                [Decided(rec[0], s1, 0.1, "approve", [], "v1", None),
                 Decided(rec[1], s2, 0.9, "block", [{"feature": "amount"}], "v1", alert)],
                [DeadLetter(rec[2], "not_json", "bad", b"\x00\xff")],
                [Advance(SHARD_A, None, Watermark(rec[2].sequence_number, None))],
            ))  # fmt: skip
        assert await s.store_transactions([s1]) == set()  # already stored
        marks = await s.watermarks("g")
        assert await s.alerts_pending() == 1
        alerts = await s.claim_alerts(10)
    assert marks == {SHARD_A: Watermark(rec[2].sequence_number, None)}
    assert [(a.alert_id, a.decision, a.payload) for a in alerts] == [("t2", "block", alert)]
    dead = await contract.rows("SELECT reason, raw FROM {schema}.dead_letters")
    assert [(d.reason, bytes(d.raw)) for d in dead] == [("not_json", b"\x00\xff")]
    decided = await contract.rows("SELECT tx_id, reasons FROM {schema}.decisions ORDER BY 1")
    assert [(d.tx_id, d.reasons) for d in decided] == [("t1", []), ("t2", [{"feature": "amount"}])]


async def test_a_watermark_that_moved_is_a_conflict_and_rolls_back(contract: ContractEnv) -> None:
    head = Watermark(str(BASE + 5))
    async with contract.deps.warehouse.session() as s:
        async with s.transaction():
            await s.record_batch(DecidedBatch("g", advances=[Advance(SHARD_A, None, head)]))
        for stale in (None, Watermark(str(BASE + 1))):
            with pytest.raises(WatermarkConflict):
                async with s.transaction():
                    await s.begin_decide()
                    await s.store_transactions([swipe("late")])
                    moved = Advance(SHARD_A, stale, head)
                    await s.record_batch(DecidedBatch("g", advances=[moved]))
        assert await s.watermarks("g") == {SHARD_A: head}
    assert await contract.rows("SELECT * FROM {schema}.transactions") == []


async def test_refresh_view_needs_the_view_owner(contract: ContractEnv) -> None:
    async with contract.deps.warehouse.session() as s:
        # PostgreSQL: the test user made the stand-in. Redshift mode: the daemon's user holds the
        # runbook's grants only and does not own the view, as on Redshift (defect 4).
        assert await s.view_refreshable() == (not contract.redshift)


async def test_hostile_one_mib_records_are_quarantined_whole(contract: ContractEnv) -> None:
    """A batch of big bad records must fit the statement limit (16 MB on Redshift) or it fails
    on every retry and stops the consumer (a poison batch)."""
    from fraudd.scoring.engine import build_engine
    from fraudd.tasks import consumer

    hostile = [bytes([0xFF, n]) * (512 * 1024) for n in range(12)]  # 1 MiB each, not UTF-8
    await contract.append([record(SHARD_A, n, data) for n, data in enumerate(hostile)])
    state, engine = consumer.ConsumerState(), build_engine(contract.settings)
    while await consumer.step(contract.deps, state, engine):
        pass
    dead = await contract.rows("SELECT sequence_number, reason, raw FROM {schema}.dead_letters")
    assert sorted((int(d.sequence_number) - BASE, d.reason) for d in dead) == [
        (n, "too_large") for n in range(12)
    ]
    assert sorted(bytes(d.raw) for d in dead) == sorted(hostile)


async def test_a_poll_reads_only_recently_refreshed_rows(
    redshift_only: None, contract: ContractEnv
) -> None:
    """The streaming view only grows and has no index on Redshift: the poll and the shard
    discovery must be bounded by refresh_time (zone maps; BRIN here) or they read it all.
    (PostgreSQL's stand-in is read through its primary key.)"""
    old = datetime.now(UTC) - timedelta(hours=3)
    await contract.as_owner(  # sixty thousand old rows, as ingestion would have left them
        f"INSERT INTO {contract.schema}.tx_stream SELECT %s, 'pk', 'shardId-000000000000', "
        "(%s::numeric + g)::text, %s, '\\x7b7d'::bytea FROM generate_series(1, 60000) g",
        old.replace(tzinfo=None), BASE, old.replace(tzinfo=None),
    )  # fmt: skip
    await contract.as_owner(f"VACUUM ANALYZE {contract.schema}.tx_stream")
    await contract.append([record(SHARD_A, 60000 + n, b"{}") for n in range(1, 6)])
    seen: list[tuple[str, tuple[object, ...]]] = []
    async with contract.deps.warehouse.session() as s:
        head = await s.pending({SHARD_A: Watermark(str(BASE + 59990), old)}, 100)
        recent = [r for r in head if r.refreshed_at and r.refreshed_at > old]
        mark = Watermark(str(BASE + 60000), max(r.refreshed_at for r in recent))  # type: ignore
        fetch = s.conn.fetch

        async def capture(sql: str, *args: object) -> object:
            seen.append((sql, args))
            return await fetch(sql, *args)

        s.conn.fetch = capture  # type: ignore[method-assign]
        rows = await s.pending({SHARD_A: mark}, 100)
        await s.stream_shards(mark.refreshed_at)
    assert [int(r.sequence_number) - BASE for r in rows] == [60001, 60002, 60003, 60004, 60005]
    async with contract.deps.warehouse.acquire() as conn:
        for sql, args in seen:
            plan = await conn.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", *args)
            assert _rows_scanned(plan[0]["Plan"]) < 2000, sql  # of 60,005


def _rows_scanned(node: dict[str, object]) -> int:
    own = 0
    if node.get("Relation Name") == "tx_stream":
        removed = int(node.get("Rows Removed by Filter", 0))  # type: ignore[call-overload]
        removed += int(node.get("Rows Removed by Index Recheck", 0))  # type: ignore[call-overload]
        own = int(node.get("Actual Rows", 0)) + removed  # type: ignore[call-overload]
    children = node.get("Plans", [])
    return own + sum(_rows_scanned(c) for c in children)  # type: ignore[attr-defined]


async def test_records_ingestion_skipped_become_dead_letters(contract: ContractEnv) -> None:
    """A record of 1 MiB or more never reaches the view: Redshift skips it and logs it in
    SYS_STREAM_SCAN_ERRORS. The consumer quarantines it there, once, with the reason."""
    from fraudd.scoring.engine import build_engine
    from fraudd.tasks import consumer

    await contract.log_skipped(SHARD_A, str(BASE + 7), 5001)
    await contract.append([record(SHARD_A, 8, swipe("t8").to_bytes())])
    state, engine = consumer.ConsumerState(), build_engine(contract.settings)
    while await consumer.step(contract.deps, state, engine):
        pass
    state.skipped_at = float("-inf")  # the next check finds nothing new
    await consumer.step(contract.deps, state, engine)
    dead = await contract.rows("SELECT shard_id, sequence_number, reason, detail, raw "
                               "FROM {schema}.dead_letters")  # fmt: skip
    assert [(d.shard_id.strip(), int(d.sequence_number) - BASE, d.reason) for d in dead] == [
        (SHARD_A, 7, "skipped_by_ingestion")
    ]
    assert "1 MiB" in dead[0].detail and bytes(dead[0].raw) == b""
    decided = await contract.rows("SELECT tx_id FROM {schema}.decisions")
    assert [d.tx_id for d in decided] == ["t8"]
    sample = contract.deps.metrics.registry.get_sample_value
    counted = sample("fraudd_records_dead_lettered_total", {"reason": "skipped_by_ingestion"})
    assert counted == 1


async def test_a_decided_batch_times_its_stages_in_the_product_metric(
    contract: ContractEnv,
) -> None:
    """Benchmarks read per-stage timings from fraudd_consumer_stage_seconds, never by wrapping
    the consumer's functions."""
    from fraudd.scoring.engine import build_engine
    from fraudd.tasks import consumer

    await contract.append([record(SHARD_A, n, swipe(f"s{n}").to_bytes()) for n in range(3)])
    engine = build_engine(contract.settings, contract.deps.metrics)
    assert await consumer.step(contract.deps, consumer.ConsumerState(), engine)
    sample = contract.deps.metrics.registry.get_sample_value
    for name in ("read", "store", "velocity", "write"):
        assert sample("fraudd_consumer_stage_seconds_count", {"stage": name}) == 1, name
