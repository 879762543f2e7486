"""The alert: what investigators and subscribers receive for a review or block decision.

One owner for its three forms: the JSON payload the consumer writes to the outbox with the
decision (:func:`payload`), the SNS ``PublishBatch`` entry the actions role sends
(:func:`sns_entry`), and the parsed form readers use (:class:`Alert`, :func:`parse`). An alert
never carries a card number: the card token and its last four digits only (invariant 7). Its
id is the transaction id, stable across redeliveries (the FIFO deduplication id).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fraudd.records import Swipe
from fraudd.scoring.verdict import Verdict


@dataclass(frozen=True)
class Alert:
    """A parsed alert payload."""

    alert_id: str
    tx_id: str
    decision: str
    score: float
    model_version: str
    card_token: str
    card_last4: str | None
    amount: float
    currency: str | None
    tx_time: str
    terminal_id: str
    merchant_category: str | None
    channel: str | None
    reasons: tuple[Mapping[str, str], ...]
    rule_set_version: int | None = None
    rules: tuple[Mapping[str, str], ...] = ()
    lists_revision: int | None = None


def payload(swipe: Swipe, verdict: Verdict) -> dict[str, Any]:
    """The alert's JSON payload: last four digits only, reasons in words."""
    return {
        "alert_id": swipe.tx_id,
        "tx_id": swipe.tx_id,
        "decision": verdict.decision,
        "score": round(verdict.score, 6),
        "model_version": verdict.model_version,
        "card_token": swipe.card_token,
        "card_last4": swipe.last4,
        "amount": swipe.amount,
        "currency": swipe.currency,
        "tx_time": swipe.tx_time.isoformat(),
        "terminal_id": swipe.terminal_id,
        "merchant_category": swipe.merchant_category,
        "channel": swipe.channel,
        "reasons": [r.as_dict() for r in verdict.reasons],
        "rule_set_version": verdict.rule_set_version,
        "rules": [r.as_dict() for r in verdict.rules],
        "lists_revision": verdict.lists_revision,
    }


def parse(data: Mapping[str, Any] | str | bytes) -> Alert:
    """An alert payload (a dict, or its JSON text) as an :class:`Alert`."""
    raw = json.loads(data) if isinstance(data, str | bytes) else data
    return Alert(
        alert_id=str(raw["alert_id"]),
        tx_id=str(raw["tx_id"]),
        decision=str(raw["decision"]),
        score=float(raw["score"]),
        model_version=str(raw["model_version"]),
        card_token=str(raw["card_token"]),
        card_last4=raw.get("card_last4"),
        amount=float(raw["amount"]),
        currency=raw.get("currency"),
        tx_time=str(raw["tx_time"]),
        terminal_id=str(raw["terminal_id"]),
        merchant_category=raw.get("merchant_category"),
        channel=raw.get("channel"),
        reasons=tuple(raw.get("reasons", ())),
        rule_set_version=raw.get("rule_set_version"),
        rules=tuple(raw.get("rules", ())),
        lists_revision=raw.get("lists_revision"),
    )


def sns_entry(index: int, alert: Mapping[str, Any], card_token: str, fifo: bool) -> dict[str, Any]:
    """One PublishBatch entry: the alert JSON plus attributes subscribers can filter on."""
    entry: dict[str, Any] = {
        "Id": f"m{index}",
        "Message": json.dumps(alert, sort_keys=True),
        "Subject": f"fraudd {alert['decision']}: card ending {alert.get('card_last4') or '????'}",
        "MessageAttributes": {
            "decision": {"DataType": "String", "StringValue": str(alert["decision"])},
            "score": {"DataType": "Number", "StringValue": f"{float(alert['score']):.6f}"},
            "alert_id": {"DataType": "String", "StringValue": str(alert["alert_id"])},
        },
    }
    if fifo:
        entry["MessageGroupId"] = card_token
        entry["MessageDeduplicationId"] = alert["alert_id"]
        entry.pop("Subject")  # FIFO topics reject Subject in PublishBatch on some endpoints
    return entry
