"""Rules: allow-list wins, then block-list, then amount and velocity."""

from __future__ import annotations

from datetime import UTC, datetime

from fraudd.records import Swipe
from fraudd.scoring.rules import Rules
from fraudd.settings import RulesSettings

T = datetime(2026, 1, 1, tzinfo=UTC)


def swipe(card: str = "tok_aaaaaaaa", amount: float = 10.0) -> Swipe:
    return Swipe(
        tx_id="t",
        tx_time=T,
        card_token=card,
        last4="0000",
        customer_id="c",
        terminal_id="t",
        amount=amount,
        produced_at=T,
    )


RULES = Rules(
    RulesSettings(
        allow_cards=("tok_allowed1",),
        block_cards=("tok_blocked1",),
        review_amount=500,
        block_amount=2000,
        velocity_max=5,
    )
)


def test_ordinary_swipe_is_approved() -> None:
    v = RULES.verdict(swipe(), velocity=1)
    assert v.decision == "approve" and v.reasons == () and 0 <= v.score < 0.5


def test_amount_thresholds() -> None:
    assert RULES.verdict(swipe(amount=600), 1).decision == "review"
    hit = RULES.evaluate(swipe(amount=2500), 1)
    v = hit.verdict
    assert v.decision == "block" and hit.final and v.reasons[0].code == "amount_block"


def test_velocity_makes_review() -> None:
    v = RULES.verdict(swipe(), velocity=9)
    assert v.decision == "review" and v.reasons[0].code == "velocity"


def test_lists_override_everything() -> None:
    assert RULES.verdict(swipe("tok_allowed1", 99_999), 50).decision == "approve"
    blocked = RULES.evaluate(swipe("tok_blocked1", 1), 1)
    assert blocked.verdict.decision == "block" and blocked.final
