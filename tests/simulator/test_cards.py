"""Card identity: an opaque, stable token and last four digits per customer, never a card number."""

from __future__ import annotations

import re

from fraudd.simulator.cards import card_last4, card_last4s, card_token, card_tokens


def test_card_identity_is_opaque_and_stable() -> None:
    token = card_token(42, 17)
    assert re.fullmatch(r"tok_[a-z]{24}", token)
    assert token == card_token(42, 17) != card_token(43, 17) != card_token(42, 18)
    assert re.fullmatch(r"\d{4}", card_last4(42, 17))
    tokens = card_tokens(42, 5000)
    assert len(set(tokens.tolist())) == 5000
    # No digits at all, so never anything that looks like a card number (13-19 digits).
    assert not any(re.search(r"\d", t) for t in tokens.tolist())


def test_card_token_is_pinned() -> None:
    """Tokens are keyed hashes (no numpy): they must never change across versions."""
    assert card_token(42, 1602) == "tok_dfutyvexwrwqwatqfyaervfa"
    assert card_last4(42, 1602) == "2056"


def test_tables_are_indexed_by_customer_id() -> None:
    tokens, last4s = card_tokens(7, 30), card_last4s(7, 30)
    assert tokens.dtype == object and last4s.dtype == object and len(last4s) == 30
    assert [tokens[c] for c in (0, 29)] == [card_token(7, 0), card_token(7, 29)]
    assert [last4s[c] for c in (0, 29)] == [card_last4(7, 0), card_last4(7, 29)]


def test_last4_is_not_derived_from_the_token() -> None:
    """Both are hashed with their own personalisation: knowing one tells nothing of the other,
    and the last four digits still spread over every value (leading zeros kept)."""
    last4s = card_last4s(42, 20_000).tolist()
    assert all(re.fullmatch(r"\d{4}", d) for d in last4s)
    assert any(d.startswith("0") for d in last4s)
    assert len(set(last4s)) > 8_000  # about 8,650 distinct of 10,000 expected
    assert card_last4(42, 17) not in card_token(42, 17)
