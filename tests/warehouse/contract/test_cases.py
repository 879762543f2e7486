"""The cases area (fraudd/warehouse/{api,postgres,redshift,shared}/cases.py) on each
implementation: the console's operations as the Protocol promises them — cases opened from the
consumer's alerts, closed and assigned only while open, their verdicts; labels replaced; lists
of ids beyond one statement's chunk; blocks set, replaced and lifted by people; the audit log;
messages queued in the outbox. (tests/cases/test_service.py tests the service that orders
them.)"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta

import pytest

from fraudd.cases.values import AuditEntry, VerdictRecord
from fraudd.warehouse import cases
from fraudd.warehouse.cases import CaseFilter, CaseSummary, StoredLabel
from fraudd.warehouse.labels import Label
from fraudd.warehouse.seam import Session
from fraudd.warehouse.stream import Decided, DecidedBatch
from tests.warehouse.contract.env import SHARD_A, ContractEnv, record, swipe

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
CA, CB, CC = "card-aaaa", "card-bbbb", "card-cccc"
CLOSED_AT = datetime(2026, 12, 1, 9, tzinfo=UTC)
Alert = tuple[str, str, float, str]  # tx_id, card, score, decision


async def decide(s: Session, alerts: list[Alert]) -> None:
    """Store the swipes and commit their decisions (an alert for review and block) as the
    consumer does."""
    swipes = [swipe(t, card=c) for t, c, _, _ in alerts]
    async with s.transaction():
        await s.store_transactions(swipes)
        decided = [
            Decided(record(SHARD_A, zlib.crc32(t.encode()), b"x"), w, score, d, [], "v1",
                    None if d == "approve" else {"alert_id": t})
            for (t, _, score, d), w in zip(alerts, swipes, strict=True)
        ]  # fmt: skip
        await s.record_batch(DecidedBatch("g", decided))


async def intake(s: Session, since: datetime = LONG_AGO) -> int:
    async with s.transaction():
        return await s.intake_alerts(since)


async def _first_alerts_open_a_case_per_card(s: Session) -> list[CaseSummary]:
    await decide(s, [("a1", CA, 0.91, "block"), ("a2", CA, 0.97, "block"),
                     ("b1", CB, 0.55, "review"), ("ok", CC, 0.1, "approve")])  # fmt: skip
    assert (await intake(s), await intake(s)) == (3, 0)
    return await s.list_cases(CaseFilter())


async def _verdicts_come_back_newest_first(s: Session) -> None:
    verdicts = [VerdictRecord(f"v{n}", "case-a1", CA, "fraud", "alice", f"note {n}",
                              CLOSED_AT - timedelta(minutes=10 - n)) for n in range(2)]  # fmt: skip
    for v in verdicts:
        await s.insert_verdict(v)
    assert await s.card_verdicts(CA) == verdicts[::-1]  # newest first
    assert await s.card_verdicts(CB) == []


async def _an_alert_after_the_close_opens_a_new_case(s: Session) -> list[CaseSummary]:
    await decide(s, [("a4", CA, 0.8, "block")])
    since = datetime.now(UTC)
    assert await intake(s, since) == 0  # created before ``since``: left for later
    assert await intake(s) == 1
    return await s.list_cases(CaseFilter())


def _assert_one_case_for_card_a_and_one_for_card_b(queue: list[CaseSummary]) -> None:
    assert [(c.case_id, c.card_token, c.last4, c.alerts, c.top_decision) for c in queue] == [
        ("case-a1", "card-aaaa", "4242", 2, "block"),
        ("case-b1", "card-bbbb", "4242", 1, "review"),
    ]
    assert queue[0].top_score == pytest.approx(0.97)


async def test_intake_opens_a_case_per_card_and_attaches_later_alerts_while_it_is_open(
    contract: ContractEnv,
) -> None:
    async with contract.deps.warehouse.session() as s:
        queue = await _first_alerts_open_a_case_per_card(s)
        await decide(s, [("a3", CA, 0.5, "review")])
        assert await intake(s) == 1  # the card's open case takes it
        alerts = [a.alert_id for a in await s.case_alerts("case-a1")]
        assert await s.open_case_count() == 2
        closed = [await s.close_case("case-a1", "fraud", "alice", CLOSED_AT) for _ in range(2)]
        assigned = [await s.assign_case(c, "bob") for c in ("case-a1", "case-b1")]
        case, missing = await s.get_case("case-a1"), await s.get_case("case-none")
        await _verdicts_come_back_newest_first(s)
        reopened = await _an_alert_after_the_close_opens_a_new_case(s)
        closed_queue = await s.list_cases(CaseFilter(status="closed"))
        b = await s.get_case("case-b1")
    _assert_one_case_for_card_a_and_one_for_card_b(queue)
    assert alerts == ["a2", "a1", "a3"]  # highest score first
    assert closed == [True, False] and assigned == [False, True]
    assert case is not None and missing is None
    assert (case.status, case.outcome, case.closed_by, case.closed_at) == (
        "closed", "fraud", "alice", CLOSED_AT,
    )  # fmt: skip
    assert [c.case_id for c in reopened] == ["case-a4", "case-b1"]  # a new case for card-a
    assert [c.case_id for c in closed_queue] == ["case-a1"]
    assert b is not None and b.assignee == "bob"


async def test_labels_are_replaced_and_id_lists_span_statement_chunks(
    contract: ContractEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cases, "ID_CHUNK", 3)  # a chunk of ids per statement, as with 1000
    swipes = [swipe(f"t{n:04}", hours=n / 100) for n in range(7)]
    ids = [w.tx_id for w in swipes]
    now = datetime.now(UTC)
    async with contract.deps.warehouse.session() as s:
        await s.store_transactions(swipes)
        times = await s.transaction_times([*ids, "unknown", ids[0]])
        await s.insert_labels([Label("t0000", True, now), Label("t0006", True, now)], "verdict")
        before = await s.stored_labels([*ids, "unknown"])
        await s.replace_labels(
            [Label("t0000", False, now), Label("t0001", True, now)], "chargeback"
        )
        after = await s.stored_labels(["t0000", "t0001", "t0006", "unknown"])
    assert times == {w.tx_id: w.tx_time for w in swipes}  # beyond one chunk, the unknown left out
    assert all(t.tzinfo is not None for t in times.values())
    assert before == {"t0000": StoredLabel(True, "verdict"), "t0006": StoredLabel(True, "verdict")}
    assert after == {
        "t0000": StoredLabel(False, "chargeback"),
        "t0001": StoredLabel(True, "chargeback"),
        "t0006": StoredLabel(True, "verdict"),
    }
    rows = await contract.rows("SELECT tx_id FROM {schema}.labels WHERE tx_id = 't0000'")
    assert len(rows) == 1  # replaced, not added (Redshift does not enforce the key)


async def test_blocks_audit_and_messages(contract: ContractEnv) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    audit = [
        AuditEntry("e1", now - timedelta(minutes=3), "alice", "investigator", "close",
                   "case-x", "", None, {"status": "closed"}),
        AuditEntry("e2", now - timedelta(minutes=2), "bob", "admin", "release", "card-aaaa",
                   "too strict", {"card_token": "card-aaaa"}, None),
        AuditEntry("e3", now - timedelta(minutes=1), "alice", "investigator", "assign",
                   "case-x"),
    ]  # fmt: skip
    async with contract.deps.warehouse.session() as s:
        for e in audit:
            await s.append_audit(e)
        await s.set_block("card-aaaa", "a1", "investigator", now + timedelta(hours=1))
        await s.set_block("card-aaaa", "a2", "again", now + timedelta(hours=3))  # replaces it
        await s.set_block("card-bbbb", "b1", "investigator", now + timedelta(hours=2))
        await s.set_block("card-cccc", "c1", "expired", now - timedelta(minutes=1))
        block, expired = await s.get_block("card-aaaa"), await s.get_block("card-cccc")
        listed, first = await s.list_blocks(10), await s.list_blocks(1)
        released = [await s.release_block("card-aaaa") for _ in range(2)]
        gone, in_force = await s.get_block("card-aaaa"), await s.active_blocks()
        await s.enqueue_message("m1", "card-bbbb", "verdict", {"verdict": "fraud", "n": 1})
        claimed = await s.claim_alerts(10)
        assert await s.audit_entries(["case-x"], 10) == [audit[2], audit[0]]
        assert await s.audit_entries(["case-x", "card-aaaa", "case-x"], 10) == audit[::-1]
        assert await s.audit_entries([], 2) == [audit[2], audit[1]]
    assert block is not None and (block.tx_id, block.reason) == ("a2", "again")
    assert block.expires_at == now + timedelta(hours=3) and block.last4 is None
    assert expired is None  # not in force now
    assert [b.card_token for b in listed] == ["card-aaaa", "card-bbbb"] and first == listed[:1]
    assert released == [True, False] and gone is None and in_force == frozenset({"card-bbbb"})
    assert [(a.alert_id, a.decision, a.payload) for a in claimed] == [
        ("m1", "verdict", {"verdict": "fraud", "n": 1})
    ]
