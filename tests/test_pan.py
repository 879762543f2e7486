"""Card-number detection and masking (invariant 7)."""

from __future__ import annotations

import pytest

from fraudd.pan import find_pans, holds_pan, luhn_ok, redact_pans, refusal


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


SEPARATED = [b"4111 1111 1111 1111", b"4111-1111-1111-1111", b"4111_1111_1111_1111",
             b"4111.1111.1111.1111", b"5500:0000:0000:0004", b"3782 822463 10005"]  # fmt: skip


@pytest.mark.parametrize("pan", SEPARATED)
def test_separated_card_numbers_are_found_and_masked(pan: bytes) -> None:
    """Sends each card number split by one kind of separator (main found none of them)."""
    raw = b'{"note": "card ' + pan + b' ok"}'
    assert find_pans(raw) == [pan]
    assert holds_pan(raw.decode())
    masked = redact_pans(raw)
    assert find_pans(masked) == [] and not holds_pan(masked.decode())
    assert masked.endswith(pan[-4:] + b' ok"}')  # the last four digits stay readable
    assert len(masked) == len(raw) and masked.count(b"*") == len(pan.replace(b" ", b"")) - 4 - (
        pan.count(b"-") + pan.count(b"_") + pan.count(b".") + pan.count(b":")
    )


@pytest.mark.parametrize(
    "text",
    [
        "tok4111111111111111",
        "c-4111111111111111-x",
        "12 4111-1111-1111-1111 34",
        "４１１１１１１１１１１１１１１１",
    ],
)
def test_a_card_number_inside_other_text_is_found(text: str) -> None:
    assert holds_pan(text)


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-07 06:39:24",
        "2026-12-07T06:39:24.123456+00:00",
        "12345678901234567890",
        "1234-5678-9012-3456-7890",
        "4111 1111-1111 1111",
        "4111111111111112",
        "tok_abcdefgh",
        "shardId-000000000000",
        "2a-d00012-0000123",
        "s2a-n000000000123",
    ],
)
def test_what_is_not_a_card_number(text: str) -> None:
    """Timestamps (mixed separators), runs over 19 digits, Luhn failures, the simulator's ids."""
    assert not holds_pan(text)
    assert redact_pans(text.encode()) == text.encode()


def test_the_refusal_names_the_field_and_says_how_to_choose_ids() -> None:
    line = refusal("column tx_id")
    assert line.startswith("column tx_id holds 13-19 digits") and "\n" not in line
    assert "a letter at least every 12 characters" in line
