"""The small self-contained generator: deterministic per seed, event-time ordered at about two
swipes per customer per day, and compromised cards whose big purchases the amount rules block."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone

from fraudd.pan import holds_pan
from fraudd.settings import RulesSettings
from fraudd.simulator.cards import card_last4, card_token
from fraudd.sources.base import Source
from fraudd.sources.simple import SWIPES_PER_CUSTOMER_DAY, SimpleSource

START = datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_the_same_seed_gives_the_same_swipes_and_another_seed_others() -> None:
    one, two = SimpleSource(100, 50, 7, START), SimpleSource(100, 50, 7, START)
    assert one.take(500) == two.take(500)
    other = SimpleSource(100, 50, 8, START).take(500)
    assert [d.card_token for d in other] != [
        d.card_token for d in SimpleSource(100, 50, 7, START).take(500)
    ]


def test_swipes_are_in_event_time_order_at_two_per_customer_day_and_the_clock_follows() -> None:
    source: Source = SimpleSource(customers=400, terminals=50, seed=1, start=START)
    drafts = source.take(800)
    gaps = {b.tx_time - a.tx_time for a, b in itertools.pairwise(drafts)}
    assert gaps == {timedelta(seconds=86_400 / (400 * SWIPES_PER_CUSTOMER_DAY))}
    assert drafts[-1].tx_time - START == timedelta(days=1)  # 800 swipes of 400 customers
    assert source.clock() == drafts[-1].tx_time


def test_the_start_is_taken_in_utc() -> None:
    paris = START.astimezone(timezone(timedelta(hours=1)))
    source = SimpleSource(10, 10, 1, paris)
    assert source.clock() == START and source.clock().tzinfo is UTC
    assert source.take(1)[0].tx_time.tzinfo is UTC


def test_each_swipe_is_well_formed_with_unique_ids_and_the_customers_card() -> None:
    drafts = SimpleSource(customers=30, terminals=20, seed=0x2A, start=START).take(2000)
    assert len({d.tx_id for d in drafts}) == len(drafts)
    assert drafts[0].tx_id == "s2a-n000000000001" and drafts[-1].tx_id == "s2a-n000000002000"
    for d in drafts:
        customer = int(d.customer_id)
        assert 0 <= customer < 30 and 0 <= int(d.terminal_id) < 20
        assert (d.card_token, d.last4) == (card_token(0x2A, customer), card_last4(0x2A, customer))
        assert d.amount > 0 and round(d.amount, 2) == d.amount
        assert (d.merchant_category, d.channel, d.terminal_x) == ("5411", "pos", None)


def test_compromised_cards_make_big_purchases_the_amount_rules_block() -> None:
    source = SimpleSource(customers=200, terminals=100, seed=5, start=START, fraud_share=0.05)
    drafts = source.take(20_000)
    frauds = [d for d in drafts if d.is_fraud]
    ordinary = [d for d in drafts if not d.is_fraud]
    assert frauds and len(frauds) < 0.06 * len(drafts)
    block_amount = RulesSettings().block_amount
    assert all(2500 <= d.amount <= 5000 and d.amount > block_amount for d in frauds)
    assert all(d.fraud_scenario == 1 for d in frauds)
    assert {int(d.customer_id) for d in frauds} <= source.compromised
    assert all(d.fraud_scenario == 0 and d.amount < block_amount for d in ordinary)
    # a compromised card is hit again and again (what velocity and blocks are for)
    per_card = max(
        sum(1 for d in frauds if d.card_token == t) for t in {d.card_token for d in frauds}
    )
    assert per_card > 1


def test_no_id_can_look_like_a_card_number() -> None:
    """Seed 7 made ids like s7-000000000123: 13 digits across the hyphen, one in ten of them
    passing Luhn, which the stream would refuse (fraudd.pan)."""
    drafts = SimpleSource(customers=30, terminals=20, seed=7, start=START).take(2000)
    assert not any(holds_pan(d.tx_id) or holds_pan(d.card_token) for d in drafts)


def test_without_fraud_share_nothing_is_fraud() -> None:
    drafts = SimpleSource(50, 50, 3, START, fraud_share=0.0).take(3000)
    assert not any(d.is_fraud for d in drafts)
