"""Test data for the console: transactions, decisions and alerts as the consumer writes them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from fraudd.warehouse.sqlfiles import render


class Executes(Protocol):
    schema: str
    settings: Any
    warehouse: Any


@dataclass(frozen=True)
class SeedAlert:
    tx_id: str
    card: str
    last4: str
    amount: str
    score: float
    decision: str
    merchant_category: str = "5411"
    minutes_ago: float = 10.0


DEFAULT_ALERTS = (
    SeedAlert("tx-a1", "card-tok-a", "1111", "250.00", 0.91, "block", "5999", 30),
    SeedAlert("tx-a2", "card-tok-a", "1111", "480.00", 0.97, "block", "5999", 20),
    SeedAlert("tx-b1", "card-tok-b", "2222", "75.50", 0.55, "review", "5411", 15),
)
TX = (
    "INSERT INTO {schema}.transactions (tx_id, tx_time, customer_id, terminal_id, card_token, "
    "last4, amount, merchant_category, channel, currency, source, produced_at) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'pos', 'EUR', 'stream', %s)"
)
DECISION = (
    "INSERT INTO {schema}.decisions (tx_id, shard_id, sequence_number, card_token, tx_time, "
    "amount, score, decision, reasons, model_version, consumer_group, produced_at, decided_at) "
    "VALUES (%s, 'shardId-000000000000', %s, %s, %s, %s, %s, %s, {json}, 'local-1', 'default', "
    "%s, %s)"
)
OUTBOX = (
    "INSERT INTO {schema}.alert_outbox (alert_id, card_token, decision, score, payload, "
    "created_at) VALUES (%s, %s, %s, %s, {json}, %s)"
)


def payload(a: SeedAlert, when: datetime) -> dict[str, Any]:
    return {
        "alert_id": a.tx_id, "tx_id": a.tx_id, "decision": a.decision, "score": a.score,
        "model_version": "local-1", "card_token": a.card, "card_last4": a.last4,
        "amount": float(a.amount), "currency": "EUR", "tx_time": when.isoformat(),
        "terminal_id": "T-0042", "merchant_category": a.merchant_category, "channel": "pos",
        "reasons": [
            {"code": "amount", "text": f"amount {a.amount} is unusually high"},
            {"code": "term_risk_7d", "text": "terminal's fraud rate 7-14 days ago is 40 %"},
        ],
        "rule_set_version": 2,
        "rules": [{"code": "mcc_watch", "text": "merchant category under investigation"}],
        "lists_revision": 5,
    }  # fmt: skip


async def seed_alerts(
    env: Executes, alerts: tuple[SeedAlert, ...] = DEFAULT_ALERTS, *, history: bool = True
) -> None:
    """Write each alert's transaction, decision and outbox row, plus two approved swipes."""
    json_in = "JSON_PARSE(%s)" if env.settings.warehouse.dialect == "redshift" else "%s::jsonb"
    now = datetime.now(UTC)
    async with env.warehouse.acquire() as conn:
        for i, a in enumerate(alerts):
            when = now - timedelta(minutes=a.minutes_ago)
            await _tx(conn, env.schema, a.tx_id, a.card, a.last4, a.amount, a.merchant_category,
                      when)  # fmt: skip
            await conn.execute(
                render(DECISION.replace("{json}", json_in), schema=env.schema),
                a.tx_id, str(i + 1), a.card, when, Decimal(a.amount), a.score, a.decision,
                json.dumps(payload(a, when)["reasons"]), when, when + timedelta(seconds=0.4),
            )  # fmt: skip
            await conn.execute(
                render(OUTBOX.replace("{json}", json_in), schema=env.schema),
                a.tx_id, a.card, a.decision, a.score, json.dumps(payload(a, when)), when,
            )  # fmt: skip
        for j in range(2 if history else 0):
            await _tx(conn, env.schema, f"tx-ok{j}", "card-tok-a", "1111", "12.00", "5411",
                      now - timedelta(hours=2 + j))  # fmt: skip


async def _tx(conn: Any, schema: str, tx_id: str, card: str, last4: str, amount: str,
              mcc: str, when: datetime) -> None:  # fmt: skip
    await conn.execute(
        render(TX, schema=schema), tx_id, when, f"C-{card}", "T-0042", card, last4,
        Decimal(amount), mcc, when,
    )  # fmt: skip


async def block_card(env: Executes, card: str, tx_id: str, hours: float = 24.0) -> None:
    sql = (
        "INSERT INTO {schema}.card_blocks (card_token, tx_id, reason, blocked_at, expires_at) "
        "VALUES (%s, %s, 'fraudd decision', %s, %s)"
    )
    now = datetime.now(UTC)
    async with env.warehouse.acquire() as conn:
        await conn.execute(
            render(sql, schema=env.schema), card, tx_id, now, now + timedelta(hours=hours)
        )
