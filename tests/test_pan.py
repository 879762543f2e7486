"""Card-number detection and masking (invariant 7)."""

from __future__ import annotations

from fraudd.pan import find_pans, luhn_ok, redact_pans


def test_luhn() -> None:
    assert luhn_ok("4111111111111111")
    assert luhn_ok("5500005555555559")
    assert not luhn_ok("4111111111111112")


def test_find_and_redact() -> None:
    raw = b'{"note": "card 4111111111111111 and 1234567890123 and order 4111111111111112"}'
    assert find_pans(raw) == [b"4111111111111111"]
    masked = redact_pans(raw)
    assert find_pans(masked) == []
    assert b"************1111" in masked
    assert b"4111111111111112" in masked  # not a valid PAN: kept as is


def test_digit_runs_inside_longer_numbers_are_not_split() -> None:
    assert find_pans(b"12345678901234567890123") == []
