"""The alert's forms: payload, parsed alert, SNS entry (pure logic)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from fraudd import alert
from fraudd.records import Swipe
from fraudd.scoring.verdict import Reason, Verdict


def _swipe() -> Swipe:
    when = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    return Swipe(
        tx_id="tx-1", tx_time=when, card_token="card-000042", last4="4242",
        customer_id="c-42", terminal_id="term-7", amount=1234.5, produced_at=when,
    )  # fmt: skip


def test_payload_parses_back_and_shows_only_the_last_four_digits() -> None:
    verdict = Verdict(0.9876543, "block", (Reason("amount", "amount is high"),), "7")
    data = alert.payload(_swipe(), verdict)
    parsed = alert.parse(json.dumps(data))
    assert (parsed.alert_id, parsed.tx_id, parsed.decision) == ("tx-1", "tx-1", "block")
    assert parsed.score == 0.987654 and parsed.card_last4 == "4242"
    assert parsed.reasons == ({"code": "amount", "text": "amount is high"},)
    assert "card_number" not in data and "pan" not in data
    assert (parsed.rule_set_version, parsed.rules, parsed.lists_revision) == (None, (), None)


def test_the_alert_names_the_rule_set_version_and_its_matched_rules_in_words() -> None:
    stolen = Reason("stolen_card", "card reported stolen")
    verdict = Verdict(
        1.0, "block", (stolen,), "7", rule_set_version=3, rules=(stolen,), lists_revision=12
    )
    parsed = alert.parse(json.dumps(alert.payload(_swipe(), verdict)))
    assert (parsed.rule_set_version, parsed.lists_revision) == (3, 12)
    assert parsed.rules == ({"code": "stolen_card", "text": "card reported stolen"},)


def test_sns_entry_carries_the_stable_id_as_fifo_deduplication_id() -> None:
    data = alert.payload(_swipe(), Verdict(0.5, "review", (), "7"))
    standard = alert.sns_entry(3, data, "card-000042", fifo=False)
    assert standard["Id"] == "m3" and standard["Subject"] == "fraudd review: card ending 4242"
    assert json.loads(standard["Message"]) == data
    assert standard["MessageAttributes"]["score"]["StringValue"] == "0.500000"
    fifo = alert.sns_entry(0, data, "card-000042", fifo=True)
    assert fifo["MessageDeduplicationId"] == "tx-1" and fifo["MessageGroupId"] == "card-000042"
    assert "Subject" not in fifo
