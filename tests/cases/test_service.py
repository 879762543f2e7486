"""Cases, verdicts, labels, blocks and the audit log through the seam, in both dialects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from fraudd.cases import service
from fraudd.cases.service import ActionRefused, Actor, Forbidden
from fraudd.metrics import create_metrics
from fraudd.warehouse.cases import CaseFilter
from tests.cases.conftest import CasesEnv
from tests.cases.seed import block_card

ALICE = Actor("alice@example.com", "investigator")
VIKTOR = Actor("viktor@example.com", "viewer")
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


async def intake(env: CasesEnv) -> int:
    async with env.session() as s, s.conn.transaction():
        return int(await s.intake_alerts(LONG_AGO))


async def test_intake_opens_one_case_per_card_and_is_idempotent(seeded: CasesEnv) -> None:
    assert await intake(seeded) == 3
    assert await intake(seeded) == 0
    async with seeded.session() as s:
        queue = await s.list_cases(CaseFilter())
        assert [c.case_id for c in queue] == ["case-tx-a1", "case-tx-b1"]  # by top score
        a = queue[0]
        assert (a.card_token, a.last4, a.alerts, a.top_decision) == (
            "card-tok-a",
            "1111",
            2,
            "block",
        )
        assert a.top_score == pytest.approx(0.97) and a.max_amount == Decimal("480.00")
        assert await s.open_case_count() == 2


async def test_queue_filters_and_pages(seeded: CasesEnv) -> None:
    await intake(seeded)
    async with seeded.session() as s:

        async def ids(**kw: object) -> list[str]:
            return [c.case_id for c in await s.list_cases(CaseFilter(**kw))]  # type: ignore[arg-type]

        assert await ids(decision="review") == ["case-tx-b1"]
        assert await ids(min_amount=Decimal("100")) == ["case-tx-a1"]
        assert await ids(merchant_category="5411") == ["case-tx-b1"]
        recent = datetime.now(UTC) - timedelta(minutes=25)
        assert await ids(opened_since=recent) == ["case-tx-b1"]
        assert await ids(limit=1) == ["case-tx-a1"]
        assert await ids(limit=1, offset=1) == ["case-tx-b1"]
        assert await ids(status="closed") == []


async def test_the_queue_filters_by_a_rule_the_live_rule_set_matched(seeded: CasesEnv) -> None:
    """tx-a2 matched cnp_large_amount under the live version (and again under a second live
    version, which must not count its alert twice); tx-b1 matched it only in a shadow run, and
    cnp_large under the live one (a name that is a prefix must not match)."""
    await intake(seeded)
    results = [("tx-a2", 1, False, "velocity,cnp_large_amount"), ("tx-a2", 2, False,
               "cnp_large_amount"), ("tx-b1", 1, False, "cnp_large"),
               ("tx-b1", 3, True, "cnp_large_amount")]  # fmt: skip
    for tx_id, version, shadow, matched in results:
        await seeded.execute(
            "INSERT INTO {schema}.rule_results (tx_id, version, shadow, decision, matched) "
            "VALUES (%s, %s, %s, 'review', %s)", tx_id, version, shadow, matched,
        )  # fmt: skip
    async with seeded.session() as s:
        by_rule = await s.list_cases(CaseFilter(rule="cnp_large_amount"))
        assert [(c.case_id, c.alerts) for c in by_rule] == [("case-tx-a1", 2)]
        assert [c.case_id for c in await s.list_cases(CaseFilter(rule="cnp_large"))] == [
            "case-tx-b1"
        ]
        assert await s.list_cases(CaseFilter(rule="velocity", decision="review")) == []
        assert len(await s.list_cases(CaseFilter())) == 2


async def test_fraud_verdict_labels_closes_queues_message_and_audits(seeded: CasesEnv) -> None:
    await intake(seeded)
    now = datetime.now(UTC)
    metrics = create_metrics()
    async with seeded.session() as s:
        async with s.conn.transaction():
            done = await service.record_verdict(s, ALICE, "case-tx-a1", "fraud", "confirmed", now)
        service.count(metrics, done, now)
        case = await s.get_case("case-tx-a1")
    assert done.closed and done.labels == 2 and case is not None
    assert (case.status, case.outcome, case.closed_by) == ("closed", "fraud", ALICE.name)
    labels = await seeded.rows(
        "SELECT tx_id, is_fraud, source, labelled_at FROM {schema}.labels ORDER BY tx_id"
    )
    assert [(r[0], r[1], r[2]) for r in labels] == [
        ("tx-a1", True, "verdict"),
        ("tx-a2", True, "verdict"),
    ]
    assert abs((labels[0][3] - now).total_seconds()) < 1e-3  # labelled at the verdict's time
    messages = await seeded.rows(
        "SELECT card_token, payload FROM {schema}.alert_outbox WHERE decision = 'closed'"
    )
    assert len(messages) == 1
    text = str(messages[0][1])
    assert "case-tx-a1" in text and '"fraud"' in text.replace("'", '"') and "1111" in text
    audit = await seeded.rows("SELECT action, actor, actor_role FROM {schema}.audit_log")
    assert sorted(r[0] for r in audit) == ["case.closed", "verdict.recorded"]
    assert {(r[1], r[2]) for r in audit} == {(ALICE.name, "investigator")}
    assert metrics.registry.get_sample_value("fraudd_verdicts_total", {"outcome": "fraud"}) == 1
    # the closed case leaves the queue; a new alert of the card opens a new case
    async with seeded.session() as s:
        assert [c.case_id for c in await s.list_cases(CaseFilter())] == ["case-tx-b1"]
        with pytest.raises(ActionRefused):
            await service.record_verdict(s, ALICE, "case-tx-a1", "fraud", "", now)


async def test_legitimate_releases_the_block_and_a_chargeback_label_is_kept(
    seeded: CasesEnv,
) -> None:
    await intake(seeded)
    await block_card(seeded, "card-tok-b", "tx-b1")
    await seeded.execute(
        "INSERT INTO {schema}.labels (tx_id, is_fraud, labelled_at, source) "
        "VALUES ('tx-b1', true, %s, 'chargeback')",
        datetime.now(UTC),
    )
    now = datetime.now(UTC)
    async with seeded.session() as s, s.conn.transaction():
        assert await s.get_block("card-tok-b") is not None
        done = await service.record_verdict(s, ALICE, "case-tx-b1", "legitimate", "", now)
    assert done.released and done.disagreements == 1 and done.labels == 0
    async with seeded.session() as s:
        assert await s.get_block("card-tok-b") is None
        audit = await s.audit_entries(["card-tok-b"], 10)
    assert [e.action for e in audit] == ["block.released"]
    assert audit[0].before is not None and audit[0].before["card_token"] == "card-tok-b"
    labels = await seeded.rows("SELECT is_fraud, source FROM {schema}.labels")
    assert [tuple(r) for r in labels] == [(True, "chargeback")]


async def test_viewers_cannot_act_and_nothing_is_written(seeded: CasesEnv) -> None:
    await intake(seeded)
    async with seeded.session() as s:
        with pytest.raises(Forbidden):
            await service.record_verdict(s, VIKTOR, "case-tx-a1", "fraud", "", datetime.now(UTC))
        with pytest.raises(Forbidden):
            await service.release_block(s, VIKTOR, "card-tok-a", "x", datetime.now(UTC))
    assert await seeded.rows("SELECT * FROM {schema}.verdicts") == []
    assert await seeded.rows("SELECT * FROM {schema}.audit_log") == []


async def test_extend_and_release_a_block(seeded: CasesEnv) -> None:
    await intake(seeded)
    await block_card(seeded, "card-tok-a", "tx-a2", hours=1)
    now = datetime.now(UTC)
    async with seeded.session() as s, s.conn.transaction():
        before = await s.get_block("card-tok-a")
        expires = await service.extend_block(s, ALICE, "card-tok-a", "tx-a2", 24, "", now)
    assert before is not None and expires == before.expires_at + timedelta(hours=24)
    async with seeded.session() as s:
        blocks = await s.list_blocks(10)
        assert [(b.card_token, b.last4) for b in blocks] == [("card-tok-a", "1111")]
        async with s.conn.transaction():
            assert await service.release_block(s, ALICE, "card-tok-a", "customer called", now)
        async with s.conn.transaction():
            assert not await service.release_block(s, ALICE, "card-tok-a", "again", now)
        assert await s.list_blocks(10) == []
        actions = [e.action for e in await s.audit_entries([], 10)]
    assert sorted(actions) == ["block.extended", "block.released"]


async def test_case_page_reads(seeded: CasesEnv) -> None:
    await intake(seeded)
    async with seeded.session() as s:
        alerts = await s.case_alerts("case-tx-a1")
        history = await s.card_history("card-tok-a", "tx-a1", 10)
        overview = await s.overview(LONG_AGO, LONG_AGO)
    assert [a.alert_id for a in alerts] == ["tx-a2", "tx-a1"]
    assert alerts[0].payload["reasons"][0]["code"] == "amount"
    assert alerts[0].amount == Decimal("480.00") and alerts[0].merchant_category == "5999"
    assert [h.tx_id for h in history] == ["tx-a2", "tx-a1", "tx-ok0", "tx-ok1"]
    assert history[0].decision == "block" and history[2].decision is None
    assert sum(m.count for m in overview.decisions) == 3
    assert overview.latency and overview.latency[0].mean_s == pytest.approx(0.4, abs=0.01)
    assert sum(h.alerts for h in overview.verdicts) == 3


async def test_the_audit_log_refuses_updates_and_deletes_on_postgres(seeded: CasesEnv) -> None:
    if seeded.settings.warehouse.dialect != "postgres":
        pytest.skip("no triggers on Redshift: grants, tests/redshift/test_audit_grants.py")
    await intake(seeded)
    async with seeded.session() as s, s.conn.transaction():
        await service.release_block(s, ALICE, "card-tok-a", "x", datetime.now(UTC))
        await s.append_audit(service.audit_entry(ALICE, datetime.now(UTC), "test", "card-tok-a"))
    for sql in ("UPDATE {schema}.audit_log SET actor = 'mallory'", "DELETE FROM {schema}.audit_log",
                "TRUNCATE {schema}.audit_log"):  # fmt: skip
        with pytest.raises(Exception, match="append-only"):
            await seeded.execute(sql)
    assert len(await seeded.rows("SELECT * FROM {schema}.audit_log")) == 1


async def test_confirmed_fraud_blocks_a_card_that_was_not_blocked(seeded: CasesEnv) -> None:
    await intake(seeded)
    now = datetime.now(UTC)
    async with seeded.session() as s:
        assert await s.get_block("card-tok-b") is None  # a review: never blocked
        async with s.transaction():
            await service.record_verdict(s, ALICE, "case-tx-b1", "fraud", "", now, block_hours=48)
        block = await s.get_block("card-tok-b")
        actions = sorted(e.action for e in await s.audit_entries(["card-tok-b"], 10))
    assert block is not None and block.reason == "confirmed fraud"
    assert abs((block.expires_at - now - timedelta(hours=48)).total_seconds()) < 1
    assert actions == ["block.extended"]


PAN_FORMS = ["4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111",
             "4111_1111_1111_1111", "4111.1111.1111.1111", "5500:0000:0000:0004"]  # fmt: skip


async def _nothing_stored(env: CasesEnv) -> None:
    for table in ("verdicts", "audit_log", "alert_outbox", "card_blocks"):
        text = " ".join(str(tuple(r)) for r in await env.rows(f"SELECT * FROM {{schema}}.{table}"))
        assert not any(p in text or p[:9] in text for p in PAN_FORMS), (table, text)
    assert await env.rows("SELECT * FROM {schema}.verdicts") == []
    assert await env.rows("SELECT * FROM {schema}.audit_log") == []


@pytest.mark.parametrize("pan", PAN_FORMS)
async def test_a_card_number_typed_by_a_person_is_refused_and_never_stored(
    seeded: CasesEnv, pan: str
) -> None:
    """Sends a PAN, plain or separated, as a verdict note, a release reason, an extension
    reason, a user name and a card token (main stored every one: in verdicts, audit_log, the
    case_closed message and card_blocks)."""
    await intake(seeded)
    now = datetime.now(UTC)
    attempts = [
        lambda s: service.record_verdict(s, ALICE, "case-tx-a1", "fraud", f"card {pan}", now),
        lambda s: service.release_block(s, ALICE, "card-tok-a", f"called from {pan}", now),
        lambda s: service.extend_block(s, ALICE, "card-tok-a", "tx-a2", 1, f"re {pan}", now),
        lambda s: service.record_verdict(s, Actor(pan, "investigator"), "case-tx-a1", "fraud",
                                         "", now),
        lambda s: service.extend_block(s, ALICE, pan.replace(" ", "-"), "", 1, "", now),
        lambda s: service.extend_block(s, ALICE, "card-tok-a", pan.replace(" ", "-"), 1, "", now),
    ]  # fmt: skip
    for attempt in attempts:
        async with seeded.session() as s:
            with pytest.raises(ActionRefused) as refused:
                async with s.transaction():
                    await attempt(s)
        assert pan not in str(refused.value) and pan[:9] not in str(refused.value)
    await _nothing_stored(seeded)


async def test_free_text_is_limited_in_utf8_bytes_as_redshift_counts_them(
    seeded: CasesEnv,
) -> None:
    """Sends a 2,000-character note of 'é' (4,000 bytes: main accepted it, and Redshift's
    VARCHAR(2048) would have overflowed) and a 200-character reason of 'ü' (400 bytes for a
    VARCHAR(256)); then notes of exactly the column's width in bytes, which are stored."""
    await intake(seeded)
    now = datetime.now(UTC)
    async with seeded.session() as s:
        with pytest.raises(ActionRefused, match=r"^the note is 4000 bytes long in UTF-8; at most"):
            await service.record_verdict(s, ALICE, "case-tx-a1", "unsure", "é" * 2000, now)
        with pytest.raises(ActionRefused, match=r"^the reason is 400 bytes long in UTF-8"):
            await service.release_block(s, ALICE, "card-tok-a", "ü" * 200, now)
        with pytest.raises(ActionRefused, match=r"^the user name is 300 bytes long"):
            Actor("ß" * 150, "investigator")
    await _nothing_stored(seeded)
    assert service.NOTE_BYTES == 2048 and service.REASON_BYTES == 256
    async with seeded.session() as s, s.transaction():
        await service.record_verdict(s, ALICE, "case-tx-a1", "unsure", "é" * 1024, now)
    [(note,)] = await seeded.rows("SELECT note FROM {schema}.verdicts")
    assert note == "é" * 1024


def test_the_ids_fraudd_makes_can_never_look_like_a_card_number() -> None:
    """Makes 1,000 verdict ids: no digit in the random part (main's hexadecimal UUIDs held a
    Luhn-valid chain of 13+ digits about once in 600, in tables and case_closed messages)."""
    ids = {service.new_id("verdict") for _ in range(1000)}
    assert len(ids) == 1000
    assert all(i.startswith("verdict-") and len(i) == 40 for i in ids)
    assert not any(c.isdigit() for i in ids for c in i)
