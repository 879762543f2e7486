"""The demo's screens rendered with rich's recording console: sections, rounding, masked cards."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from fraudd.alert import parse
from fraudd.cli.demo_view import DemoView, NextSteps, summary_view
from fraudd.demo import LiveFigures
from fraudd.warehouse.figures import RunLatency

SUMMARY: dict[str, Any] = {  # a real --json summary, with the float noise it had
    "alerts_published": 144, "alerts_received": 144, "cards_blocked": 101, "dead_lettered": 0,
    "decided": 5861, "declined": 175, "fraud_blocked": 87, "fraud_caught": 93,
    "fraud_decided": 110, "fraud_declined": 19, "fraud_declined_amount": 4401.81,
    "history_frauds": 4056, "history_transactions": 235144,
    "latency_ms": {"max": 308.5, "p50": 118.5, "p95": 225.6, "p99": 253.1},
    "legit_alerted": 51, "legit_declined": 156,
    "model_validation": {
        "auc_roc": 0.9340736048791058, "average_precision": 0.796340578452794,
        "card_precision_at_100": 0.22999999999999998, "n_frauds": 307, "n_transactions": 21021,
    },
    "model_version": 1, "produced": 6036, "seconds": 30.0, "sent_to_stream": 5861,
    "fraud_by_scenario": [
        {"scenario": 2, "frauds": 60, "caught": 57, "blocked": 55},
        {"scenario": 4, "frauds": 50, "caught": 36, "blocked": 32},
    ],
    "cards_blocked_without_fraud": 9,
}  # fmt: skip
ALERT = parse({
    "alert_id": "tx-1", "tx_id": "tx-1", "decision": "block", "score": 0.9412345,
    "model_version": "3", "tx_time": "2026-12-01T10:00:00+00:00", "terminal_id": "term-9",
    "card_token": "tok_abcdefgh",
    "card_last4": "4242", "amount": 312.4, "currency": "EUR", "merchant_category": "5411",
    "channel": "pos",
    "reasons": [
        {"code": "amount_ratio_30d", "text": "amount is 5.1× the card's 30-day average"},
        {"code": "term_known_frauds_recent_7d",
         "text": "terminal had 3 confirmed frauds in the last 7 days"},
    ],
})  # fmt: skip
STEPS = NextSteps(
    "http://127.0.0.1:9108/metrics", "/state/logs/demo.log", "fraudd evaluate ...",
    "export FRAUDD_WAREHOUSE__SCHEMA=demo", "export FRAUDD_KINESIS__STREAM_NAME=s-demo",
)  # fmt: skip


def render(renderable: Any) -> str:
    console = Console(record=True, width=160, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_the_summary_has_its_sections_and_rounded_figures() -> None:
    text = render(summary_view(SUMMARY, STEPS, [ALERT]))
    sections = ["Traffic", "Detection", "Actions", "Latency", "Model", "Where to look next"]
    positions = [text.index(s) for s in sections]
    assert positions == sorted(positions)
    assert "0.22999" not in text and "0.9340736" not in text and "118.5" not in text
    assert "AUC 0.934 · AP 0.796 · CP@100 0.230" in text
    assert "p50 118 ms · p95 226 ms · p99 253 ms · max 308 ms" in text  # whole ms
    assert "6,036 (201 per second)" in text and "5,861 — every record one decision" in text
    assert "93 (84.5 %)" in text  # caught of the frauds decided
    assert "64.6 % (93 of 144 were fraud)" in text  # precision of alerts
    assert "4,401.81 in amounts" in text
    # Recall per scenario and the friction, in words.
    assert "scenario 2" in text and "57 of 60 caught (95.0 %), 55 blocked" in text
    assert "card testing" in text and "36 of 50 caught (72.0 %), 32 blocked" in text
    assert "51 (0.5 per fraud caught)" in text  # genuine swipes flagged
    assert "156 (1.7 per fraud caught; their card was blocked)" in text
    assert "9 of 101" in text  # cards blocked with no fraud
    assert "/state/logs/demo.log" in text and "http://127.0.0.1:9108/metrics" in text
    assert "its data    export FRAUDD_WAREHOUSE__SCHEMA=demo" in text
    assert "its stream  export FRAUDD_KINESIS__STREAM_NAME=s-demo" in text


def test_a_run_that_lost_a_record_says_so() -> None:
    text = render(summary_view(SUMMARY | {"decided": 5860}, STEPS))
    assert "NOT all decided" in text


def test_the_live_view_shows_stages_counters_latency_and_alerts_as_read() -> None:
    status = ["3 open cases · console at http://127.0.0.1:9200/"]
    view = DemoView(30.0, STEPS.metrics_url, [lambda: status[0], lambda: None])
    view.started("stack")
    view.finished("stack", {"state_dir": "/state"})
    view.finished("model", {"model_version": 2, "model_validation": SUMMARY["model_validation"]})
    view.started("history")
    counters = {"produced": 100, "decided": 90, "alerts_received": 4}
    latency = RunLatency(p50=120.4, p95=230.0, p99=251.9, max=300.0)
    view.update(LiveFigures("running", 5.0, 30.0, counters, None, []))
    view.update(LiveFigures("running", 6.0, 30.0, counters | {"produced": 300}, latency, [ALERT]))
    text = render(view)
    assert "✓ local stack up (state in /state)" in text
    assert "model v2 trained — validation AUC 0.934 · AP 0.796 · CP@100 0.230" in text
    assert "seeding labelled history" in text  # started, not finished
    assert "6 s of 30 s" in text and "p50 120 ms · p95 230 ms · p99 252 ms" in text
    assert "•••• 4242" in text and "312.40 EUR" in text and "grocery 5411" in text
    assert "0.94" in text and "BLOCK" in text and "amount is 5.1× the card's 30-day average" in text
    assert "tok_abcdefgh" not in text  # the card token is not for the screen
    assert status[0] in text
