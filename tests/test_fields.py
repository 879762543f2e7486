"""A declared field's values: typed from JSON or CSV text, refused with a reason (never the
value), a value that could be a card number refused whatever the type (invariant 7)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fraudd.fields import (
    FieldValueError,
    PanLikeValue,
    check_value,
    check_values,
    column,
    holds_pan,
)
from fraudd.settings import OwnField

PAN = "4111111111111111"  # a test card number: passes the Luhn check


def declared(name: str, type_: str, required: bool = False) -> OwnField:
    return OwnField(name=name, type=type_, required=required, description=f"the {name}")  # type: ignore[arg-type]


COUNTRY = declared("merchant_country", "string", required=True)
SCORE = declared("device_score", "number")
PRESENT = declared("card_present", "boolean")
OPENED = declared("account_opened", "timestamp")


@pytest.mark.parametrize(
    ("field", "raw", "value"),
    [
        (COUNTRY, "FR", "FR"),
        (SCORE, 0.25, 0.25),
        (SCORE, "12", 12.0),  # CSV text
        (SCORE, 7, 7.0),
        (PRESENT, True, True),
        (PRESENT, "f", False),  # the loader's form
        (PRESENT, "TRUE", True),
        (OPENED, "2026-01-02T03:04:05+01:00", datetime(2026, 1, 2, 2, 4, 5, tzinfo=UTC)),
        (SCORE, None, None),
        (SCORE, "", None),  # empty is missing, as COPY's EMPTYASNULL reads it
    ],
)
def test_values_arrive_typed(field: OwnField, raw: object, value: object) -> None:
    assert check_value(field, raw) == value


@pytest.mark.parametrize(
    ("field", "raw", "message"),
    [
        (COUNTRY, None, "missing \\(required\\)"),
        (COUNTRY, "", "missing \\(required\\)"),
        (COUNTRY, 33, "not a string"),
        (COUNTRY, "<script>", "outside"),
        (COUNTRY, "x" * 257, "more than 256"),
        (SCORE, "abc", "not a number"),
        (SCORE, True, "not a number"),
        (SCORE, "inf", "not a finite number"),
        (PRESENT, "maybe", "not a boolean"),
        (PRESENT, 1.5, "not a boolean"),
        (OPENED, "2026-01-02 03:04:05", "must carry a UTC offset"),
        (OPENED, "yesterday", "not an ISO 8601"),
        (OPENED, 12, "not a timestamp"),
    ],
)
def test_wrong_values_are_refused_with_a_reason(field: OwnField, raw: object, message: str) -> None:
    with pytest.raises(FieldValueError, match=message) as refused:
        check_value(field, raw)
    assert not isinstance(refused.value, PanLikeValue)


@pytest.mark.parametrize(
    ("field", "raw"),
    [
        (COUNTRY, PAN),
        (COUNTRY, f"ref {PAN} x"),
        (SCORE, int(PAN)),  # a card number sent as a JSON number
        (SCORE, float(PAN)),
        (SCORE, PAN),
    ],
)
def test_a_value_that_could_be_a_card_number_is_refused(field: OwnField, raw: object) -> None:
    with pytest.raises(PanLikeValue, match="looks like a card number") as refused:
        check_value(field, raw)
    assert PAN not in str(refused.value)


def test_digits_that_fail_the_luhn_check_pass() -> None:
    assert not holds_pan("4111111111111112")
    assert check_value(COUNTRY, "4111111111111112") == "4111111111111112"


def test_a_swipes_fields_name_the_refused_one() -> None:
    declared_ = (COUNTRY, SCORE)
    assert check_values(declared_, {"merchant_country": "DE"}) == {
        "merchant_country": "DE",
        "device_score": None,
    }
    with pytest.raises(FieldValueError, match=r"^merchant_country: missing"):
        check_values(declared_, {"device_score": 1})
    with pytest.raises(FieldValueError, match=r"^ip_address: not declared"):
        check_values(declared_, {"merchant_country": "DE", "ip_address": "1.2.3.4"})
    with pytest.raises(PanLikeValue, match=r"^device_score: looks like a card number"):
        check_values(declared_, {"merchant_country": "DE", "device_score": PAN})


@pytest.mark.parametrize(
    ("field", "postgres", "redshift"),
    [
        (COUNTRY, "text", "VARCHAR(256)"),
        (SCORE, "double precision", "DOUBLE PRECISION"),
        (PRESENT, "boolean", "BOOLEAN"),
        (OPENED, "timestamptz", "TIMESTAMPTZ"),
    ],
)
def test_each_type_is_a_typed_column(field: OwnField, postgres: str, redshift: str) -> None:
    col = column(field)
    assert (col.name, col.postgres, col.redshift, col.required) == (
        field.name,
        postgres,
        redshift,
        False,  # nullable: rows stored before the declaration have no value
    )
