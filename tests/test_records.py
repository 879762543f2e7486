"""Validation of stream records: every malformed record gets a reason, none raises."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fraudd.records import REJECT_REASONS, Rejected, Swipe, parse_record
from fraudd.settings import OwnField

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def good(**changes: object) -> dict[str, object]:
    record: dict[str, object] = {
        "schema_version": 1,
        "tx_id": "t-1",
        "tx_time": "2026-11-28T11:59:00Z",
        "card_token": "tok_0123456789abcdef",
        "last4": "4242",
        "customer_id": "c1",
        "terminal_id": "t9",
        "amount": 42.5,
        "currency": "EUR",
        "merchant_category": "5411",
        "channel": "pos",
        "produced_at": "2026-11-28T11:59:01Z",
    }
    record.update(changes)
    return record


def parse(record: object) -> Swipe | Rejected:
    return parse_record(json.dumps(record).encode(), NOW)


def test_good_record_round_trips() -> None:
    swipe = parse(good())
    assert isinstance(swipe, Swipe)
    assert parse_record(swipe.to_bytes(), NOW) == swipe
    assert b"is_fraud" not in swipe.to_bytes()


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff\xfe\x00", "not_utf8"),
        (b"{not json", "not_json"),
        (b"[1, 2, 3]", "not_object"),
        (b'"just a string"', "not_object"),
        (json.dumps(good(schema_version=2)).encode(), "unknown_schema_version"),
        (json.dumps(good(amount=-5)).encode(), "invalid_field"),
        (json.dumps(good(amount=-0.01)).encode(), "invalid_field"),
        (json.dumps(good(amount=1e12)).encode(), "invalid_field"),
        (json.dumps(good(amount="12")).encode(), "invalid_field"),
        (json.dumps(good(tx_id=None)).encode(), "invalid_field"),
        (
            json.dumps({k: v for k, v in good().items() if k != "card_token"}).encode(),
            "invalid_field",
        ),
        (json.dumps(good(card_token="4111111111111111")).encode(), "invalid_field"),
        (json.dumps(good(tx_id="x'; DROP TABLE decisions; --")).encode(), "invalid_field"),
        (json.dumps(good(tx_time="2026-11-28T11:59:00")).encode(), "invalid_field"),
        (json.dumps(good(tx_time="1970-01-01T00:00:00Z")).encode(), "implausible_time"),
        (json.dumps(good(tx_time="2999-01-01T00:00:00Z")).encode(), "implausible_time"),
        (json.dumps(good(card_token="x" * 100_000)).encode(), "too_large"),
        (json.dumps(good()).replace("42.5", "NaN").encode(), "invalid_field"),
        (json.dumps(good()).replace("42.5", "Infinity").encode(), "invalid_field"),
    ],
)
def test_bad_records_are_rejected_with_a_reason(raw: bytes, reason: str) -> None:
    result = parse_record(raw, NOW)
    assert isinstance(result, Rejected)
    assert result.reason == reason
    assert result.reason in REJECT_REASONS


def test_a_zero_amount_is_a_swipe_not_a_bad_record() -> None:
    """$0 authorisations (account verification, card-testing probes) are real traffic."""
    swipe = parse_record(json.dumps(good(amount=0)).encode(), arrival=NOW)
    assert isinstance(swipe, Swipe) and swipe.amount == 0.0
    negative_zero = parse_record(json.dumps(good(amount=-0.0)).encode(), arrival=NOW)
    assert isinstance(negative_zero, Swipe) and negative_zero.amount == 0.0


def test_integer_ids_are_accepted_as_text() -> None:
    swipe = parse(good(customer_id=17, terminal_id=3))
    assert isinstance(swipe, Swipe) and swipe.customer_id == "17"


def test_future_tolerance() -> None:
    soon = (NOW + timedelta(days=1)).isoformat()
    assert isinstance(parse(good(tx_time=soon)), Swipe)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=512))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    result = parse_record(raw, NOW)
    assert isinstance(result, Rejected | Swipe)


json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(list(good())), json_values, max_size=12))
@example({"amount": 0.0})  # a $0 authorisation is a swipe (account verification, card testing)
@example({"amount": -0.01})
def test_arbitrary_json_objects_are_decided_or_rejected(fields: dict[str, object]) -> None:
    record = good() | fields
    raw = json.dumps(record, allow_nan=True).encode()
    result = parse_record(raw, NOW)
    if isinstance(result, Rejected):
        assert result.reason in REJECT_REASONS and result.detail
    else:
        assert result.amount >= 0 and result.tx_time.tzinfo is not None


@pytest.mark.parametrize("field", ["tx_id", "customer_id", "terminal_id", "card_token"])
@pytest.mark.parametrize(
    "pan",
    [
        "4111-1111-1111-1111",
        "4111_1111_1111_1111",
        "4111.1111.1111.1111",
        "5500:0000:0000:0004",
        "tok4111111111111111",
        "x-4111111111111111",
    ],
)
def test_a_card_number_in_any_id_or_the_token_is_refused(field: str, pan: str) -> None:
    """Sends a PAN, separated or inside letters, as each id and as the card token (main
    accepted all of them but the plain digits as a token)."""
    if field == "card_token" and not pan.replace("-", "").replace("_", "").isalnum():
        pan = pan.replace(".", "-").replace(":", "_")  # the token's stricter alphabet
    result = parse(good(**{field: pan}))
    assert isinstance(result, Rejected) and result.reason == "invalid_field"
    assert result.detail == f"{field}: pan_like"
    assert pan not in result.detail


def test_the_token_keeps_its_strict_pattern_and_length() -> None:
    for token in ["short", "x" * 65, "tok.with.dots", "tok with space", "12345678"]:
        result = parse(good(card_token=token))
        assert isinstance(result, Rejected) and result.detail.startswith("card_token:"), token


OWN = (
    OwnField(name="merchant_country", type="string", required=True, description="country"),
    OwnField(name="device_score", type="number", description="risk score"),
)


def test_declared_fields_travel_typed_and_round_trip() -> None:
    record = good(fields={"merchant_country": "FR", "device_score": "0.5"})
    swipe = parse_record(json.dumps(record).encode(), NOW, own=OWN)
    assert isinstance(swipe, Swipe)
    assert swipe.fields == {"merchant_country": "FR", "device_score": 0.5}
    assert parse_record(swipe.to_bytes(), NOW, own=OWN) == swipe
    assert b"fields" not in parse(good()).to_bytes()  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("fields", "detail"),
    [
        ({}, "fields.merchant_country: missing (required)"),
        ({"merchant_country": 12}, "fields.merchant_country: not a string"),
        ({"merchant_country": "FR", "device_score": "high"}, "fields.device_score: not a number"),
        ({"merchant_country": "FR", "ip": "1.2.3.4"}, "fields.ip: not declared"),
        (
            {"merchant_country": "FR", "device_score": 4111111111111111},
            "fields.device_score: looks like a card number",
        ),
        ({"merchant_country": ["FR"]}, "fields.merchant_country: not a string"),
    ],
)
def test_a_bad_declared_field_is_a_dead_letter_with_its_reason(
    fields: dict[str, object], detail: str
) -> None:
    rejected = parse_record(json.dumps(good(fields=fields)).encode(), NOW, own=OWN)
    assert rejected == Rejected("invalid_field", detail)
