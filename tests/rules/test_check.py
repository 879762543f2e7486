"""Type checking against the caller's schema and lists: each refusal one line, saying where."""

from __future__ import annotations

import pytest

from fraudd.rules.check import check, type_of
from fraudd.rules.nodes import Comparison, RuleError, Type
from fraudd.rules.syntax import parse

SCHEMA = {
    "amount": Type.NUMBER,
    "country": Type.STRING,
    "tx_time": Type.TIMESTAMP,
    "opened_at": Type.TIMESTAMP,
    "card_present": Type.BOOLEAN,
}
LISTS = {"blocked_cards": Type.STRING, "risky_mcc_codes": Type.NUMBER}


def checked(text: str) -> Type:
    return type_of(check(parse(text), SCHEMA, LISTS))


@pytest.mark.parametrize(
    "text",
    [
        "amount * 2 + 1 > 10",
        "tx_time - opened_at < 2d",
        "tx_time - 1h > opened_at",
        "1h + tx_time > opened_at",
        "country in @blocked_cards and amount not in @risky_mcc_codes",
        "card_present == false or not card_present",
        "country is missing or tx_time is not missing",
        "country != 'FR'",
    ],
)
def test_well_typed_conditions_are_boolean(text: str) -> None:
    assert checked(text) is Type.BOOLEAN


def test_every_node_gets_its_type() -> None:
    tree = check(parse("tx_time - opened_at > 60"), SCHEMA, LISTS)
    assert isinstance(tree, Comparison)
    assert type_of(tree.left) is Type.NUMBER and tree.left.left.type is Type.TIMESTAMP  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("amout > 3", "line 1, column 1: unknown name 'amout'; did you mean 'amount'?"),
        ("zzz > 3", "line 1, column 1: unknown name 'zzz'"),
        ("amount > 'x'", "line 1, column 8: cannot compare a number with a string"),
        ("country < 'FR'", "line 1, column 9: a string compares only with == or !=, not <"),
        ("card_present > true", "line 1, column 14: a boolean compares only with == or !=, not >"),
        ("amount + country > 1", "line 1, column 1: cannot add number and string"),
        ("tx_time + opened_at > 1", "line 1, column 1: cannot add timestamp and timestamp"),
        ("tx_time > 3", "line 1, column 9: cannot compare a timestamp with a number"),
        ("-country == 'x'", "line 1, column 1: cannot negate a string"),
        ("country in [1, 'x']", "line 1, column 13: a number in a list compared with a string"),
        ("country in @blocked",
         "line 1, column 13: unknown list @blocked; did you mean @blocked_cards?"),
        ("amount in @blocked_cards",
         "line 1, column 12: @blocked_cards is a list of strings, compared with a number"),
        ("amount", "line 1, column 1: a condition must be true or false, not a number"),
        ("card_present in [true]",
         "line 1, column 1: a boolean is not looked up in a list: compare it with =="),
        ("amount > 1 and country",
         "line 1, column 16: 'and' takes conditions (true or false), not a string"),
        ("not amount", "line 1, column 5: 'not' takes conditions (true or false), not a number"),
        ("country in []",
         "line 1, column 1: an empty list: nothing is in it, the rule can never match"),
    ],
)  # fmt: skip
def test_each_type_error_is_one_line_saying_where(text: str, message: str) -> None:
    with pytest.raises(RuleError) as refused:
        check(parse(text), SCHEMA, LISTS)
    assert str(refused.value) == message
