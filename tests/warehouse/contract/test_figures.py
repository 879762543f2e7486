"""The figures area (fraudd/warehouse/{api,postgres,redshift,shared}/figures.py): the run
figures on each implementation, and each dialect's statements parse in that dialect and carry no
syntax Redshift lacks (they also run in the demo test, tests/cli/test_demo.py)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import pytest
import sqlglot
from sqlglot import exp

from fraudd.records import Swipe
from fraudd.warehouse.figures import STAGES
from fraudd.warehouse.labels import Label
from fraudd.warehouse.seam import Session
from fraudd.warehouse.sqlfiles import load_statement
from fraudd.warehouse.stream import Advance, Decided, DecidedBatch, Watermark
from tests.warehouse.contract.env import SHARD_A, ContractEnv, record, swipe

DECISIONS = ("approve", "block", "review")


async def decide(
    contract: ContractEnv, s: Session, swipes: list[Swipe], decisions: tuple[str, ...] = DECISIONS
) -> None:
    """Put the swipes in the view and decide them (``decisions`` in turn) as the consumer
    would."""
    rec = [record(SHARD_A, n, b"x") for n in range(len(swipes))]
    await contract.append(rec)
    async with s.transaction():
        await s.begin_decide()
        await s.store_transactions(swipes)
        await s.record_batch(DecidedBatch(
            "g",
            [Decided(r, w, 0.5, d, [], "v1", {"alert_id": w.tx_id} if d != "approve" else None)
             for r, w, d in zip(rec, swipes, decisions, strict=True)],
            advances=[Advance(SHARD_A, None, Watermark(rec[-1].sequence_number, None))],
        ))  # fmt: skip


async def test_run_figures_count_the_run_and_its_latency(contract: ContractEnv) -> None:
    since = datetime(2026, 11, 30, tzinfo=UTC)  # the swipes were produced on that day
    swipes = [swipe("f1"), swipe("f2", 900.0), swipe("f3", 15.0)]
    async with contract.deps.warehouse.session() as s:
        await decide(contract, s, swipes)
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


async def test_run_figures_say_what_each_scenario_lost_and_which_blocks_hit_no_fraud(
    contract: ContractEnv,
) -> None:
    """The demo's recall per scenario and cards blocked without fraud."""
    since = datetime(2026, 11, 30, tzinfo=UTC)
    swipes = [swipe("a1"), swipe("a2", card="card-000002"), swipe("a3", card="card-000003"),
              swipe("b1", card="card-000004", hours=1), swipe("b2", card="card-000004", hours=2),
              swipe("c1", card="card-000005", hours=3)]  # fmt: skip
    labelled = datetime(2026, 12, 1, tzinfo=UTC)
    truth = (("a1", True, 1), ("a2", True, 4), ("a3", True, 4), ("b1", False, None),
             ("b2", True, None), ("c1", False, 0))  # fmt: skip
    async with contract.deps.warehouse.session() as s:
        outcomes = ("approve", "block", "review", "block", "approve", "block")
        await decide(contract, s, swipes, outcomes)
        await s.insert_labels([Label(t, f, labelled, k) for t, f, k in truth], "test")
        by_scenario = await s.run_caught_by_scenario(since)
        without_fraud = await s.run_blocks_without_fraud(since)
        later = await s.run_caught_by_scenario(datetime.now(UTC) + timedelta(days=3650))
    assert [asdict(r) for r in by_scenario] == [
        {"scenario": 1, "frauds": 1, "caught": 0, "blocked": 0},
        {"scenario": 4, "frauds": 2, "caught": 2, "blocked": 1},
    ]  # b2's fraud names no scenario: left out
    # card 4 was blocked on a genuine swipe but has a fraud (b2): only card 5 had none.
    assert without_fraud == 1
    assert later == []


async def test_window_figures_cover_only_what_was_produced_in_the_window(
    contract: ContractEnv,
) -> None:
    """A benchmark's measurement window: [t0, t1) by production time, as bench/measure.py reads."""
    since = datetime(2026, 11, 30, tzinfo=UTC)
    swipes = [swipe("w1"), swipe("w2", 900.0, hours=1), swipe("w3", 15.0, hours=2)]
    t0, t1 = swipes[0].produced_at, swipes[1].produced_at  # holds w1 only
    assert t0 is not None and t1 is not None
    async with contract.deps.warehouse.session() as s:
        await decide(contract, s, swipes)
        outcomes = await s.run_outcomes(t0, t1)
        window = await s.run_latency(t0, t1)
        whole = await s.run_latency(since)
        per_second = await s.decided_per_second(since)
        oldest = await s.oldest_undecided(t1 + timedelta(minutes=90))
        none_left = await s.oldest_undecided(datetime.now(UTC) + timedelta(days=1))
        stages = await s.stage_latency_p50(t0, t1)
        empty = await s.stage_latency_p50(since, t0)
    assert outcomes == {"approve": 1}
    assert window.p50 == window.max and whole.max is not None and window.max is not None
    assert window.max == whole.max  # w1, produced first, waited longest
    assert whole.p50 is not None and whole.p50 < whole.max
    assert sum(per_second.values()) == 3 and all(s > 1_700_000_000 for s in per_second)
    assert oldest == t0 and none_left is None
    assert list(stages) == list(STAGES) and all(v is not None for v in stages.values())
    assert stages["producer_to_kinesis"] > 0  # type: ignore[operator]
    assert empty == dict.fromkeys(STAGES)


NAMES = (
    "run_counts",
    "run_caught",
    "run_caught_by_scenario",
    "run_blocks_without_fraud",
    "run_latency_between",
    "outcomes_between",
    "decided_per_second",
    "oldest_undecided",
    "stage_latency_p50",
)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dialect", ["postgres", "redshift"])
def test_run_figures_parse_in_their_dialect(dialect: str, name: str) -> None:
    sql = load_statement(dialect, "figures", name, schema="fraudd", view="tx_stream")  # type: ignore[arg-type]
    (tree,) = sqlglot.parse(sql, read=dialect, error_level=sqlglot.ErrorLevel.RAISE)
    assert isinstance(tree, exp.Select | exp.Union)  # stage_latency_p50: one branch per stage
    assert sql.count("%s") == len(list(tree.find_all(exp.Placeholder)))
    if dialect == "redshift":  # no FILTER clause, arrays or :: casts there
        lowered = sql.lower()
        assert "filter (" not in lowered and "array[" not in lowered and "::" not in lowered
