"""Reissue of blocked cards: the old token declines, the cardholder's new card takes over after the
delay, the fraudster keeps the blocked card, and no card number appears anywhere."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from fraudd.pan import find_pans
from fraudd.simulator.cards import card_last4, card_token
from fraudd.sources.base import Draft
from fraudd.sources.cards import CardRegister

SEED, CUSTOMER = 42, 17
T0 = datetime(2026, 3, 1, tzinfo=UTC)
DELAY = timedelta(days=3)


def draft(hours: float, scenario: int = 0, customer: int = CUSTOMER) -> Draft:
    return Draft(
        tx_id=f"t{hours}", tx_time=T0 + timedelta(hours=hours),
        card_token=card_token(SEED, customer), last4=card_last4(SEED, customer),
        customer_id=str(customer), terminal_id="9", amount=10.0, merchant_category="5411",
        channel="pos", terminal_x=None, terminal_y=None, is_fraud=scenario > 0,
        fraud_scenario=scenario,
    )  # fmt: skip


def test_generation_zero_is_the_first_card_and_the_next_ones_differ() -> None:
    tokens = {card_token(SEED, CUSTOMER, g) for g in range(4)}
    assert card_token(SEED, CUSTOMER, 0) == card_token(SEED, CUSTOMER) and len(tokens) == 4
    assert len({card_last4(SEED, CUSTOMER, g) for g in range(4)}) > 1
    assert not find_pans(" ".join(tokens).encode())


def test_a_declined_card_is_reissued_after_the_delay() -> None:
    register = CardRegister(SEED, DELAY)
    old = card_token(SEED, CUSTOMER)
    first = register.issued(draft(1))
    assert first.card_token == old and register.declined(first)
    waiting = register.issued(draft(1 + 71))
    assert waiting.card_token == old  # the new card is in the post: declined again
    assert not register.declined(waiting)  # ... without a second reissue
    new = register.issued(draft(1 + 72))
    assert new.card_token == card_token(SEED, CUSTOMER, 1)
    assert new.last4 == card_last4(SEED, CUSTOMER, 1)
    assert register.generation(str(CUSTOMER)) == 1
    assert register.issued(draft(5, customer=3)) == draft(5, customer=3)  # others untouched


def test_the_fraudster_keeps_the_blocked_card_the_cardholder_does_not() -> None:
    register = CardRegister(SEED, DELAY)
    register.declined(register.issued(draft(0, scenario=4)))
    old, new = card_token(SEED, CUSTOMER), card_token(SEED, CUSTOMER, 1)
    later = 24 * 10
    for scenario in (3, 4, 5, 6, 7):
        stolen = register.issued(draft(later, scenario))
        assert stolen.card_token == old and not register.declined(stolen)
    for scenario in (0, 1, 2):
        assert register.issued(draft(later, scenario)).card_token == new


def test_a_new_card_blocked_in_turn_is_reissued_again() -> None:
    register = CardRegister(SEED, DELAY)
    register.declined(register.issued(draft(0)))
    second = register.issued(draft(100))
    assert register.declined(second)
    assert register.issued(draft(100 + 72)).card_token == card_token(SEED, CUSTOMER, 2)


def test_a_restarted_register_reissues_the_same_next_card() -> None:
    before, after = CardRegister(SEED, DELAY), CardRegister(SEED, DELAY)
    before.declined(before.issued(draft(0)))
    after.declined(after.issued(draft(50)))
    assert after.issued(draft(50 + 72)) == replace(
        draft(50 + 72), card_token=before.issued(draft(80)).card_token,
        last4=before.issued(draft(80)).last4,
    )  # fmt: skip
