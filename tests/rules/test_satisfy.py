"""Conditions that can never be true are refused, one line saying where; the others pass."""

from __future__ import annotations

import pytest

from fraudd.rules.check import check
from fraudd.rules.nodes import RuleError, Type
from fraudd.rules.satisfy import MAX_ALTERNATIVES, refuse_if_never
from fraudd.rules.syntax import parse

SCHEMA = {"amount": Type.NUMBER, "country": Type.STRING, "t": Type.TIMESTAMP, "b": Type.BOOLEAN}
LISTS = {"blocked": Type.STRING}
NEVER = "the condition can never be true"


def analyse(text: str) -> None:
    refuse_if_never(check(parse(text), SCHEMA, LISTS))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("amount > 5 and amount < 3",
         f"line 1, column 23: {NEVER}: amount has no value within the bounds asked"),
        ("3 > amount and amount > 5",
         f"line 1, column 23: {NEVER}: amount has no value within the bounds asked"),
        ("amount > 5 and not (amount > 3)",
         f"line 1, column 28: {NEVER}: amount has no value within the bounds asked"),
        ("amount >= 3 and amount <= 3 and amount != 3",
         f"line 1, column 40: {NEVER}: amount has no value within the bounds asked"),
        ("amount in [1, 2] and amount > 5",
         f"line 1, column 29: {NEVER}: amount has no value left that every condition allows"),
        ("country == 'FR' and country == 'DE'",
         f"line 1, column 29: {NEVER}: country has no value left that every condition allows"),
        ("country in ['FR'] and country not in ['FR']",
         f"line 1, column 23: {NEVER}: country has no value left that every condition allows"),
        ("amount is missing and amount > 1",
         f"line 1, column 30: {NEVER}: amount cannot be both missing and not missing"),
        ("b and not b",
         f"line 1, column 11: {NEVER}: b has no value left that every condition allows"),
        ("t > timestamp('2026-01-01') and t < timestamp('2025-01-01')",
         f"line 1, column 35: {NEVER}: t has no value within the bounds asked"),
        ("amount * 2 > 3 and not (amount * 2 > 3)",
         f"line 1, column 36: {NEVER}: it asks for a condition and its opposite"),
        ("1 > 2", f"line 1, column 3: {NEVER}: it is always false"),
        ("false", f"line 1, column 1: {NEVER}: it is always false"),
        ("amount > 1 and 1 / 0 > 2", f"line 1, column 22: {NEVER}: it is always false"),
        ("amount > 5 and amount < 3 or country == 'x' and country == 'y'",
         f"line 1, column 1: {NEVER}: no alternative can (amount has no value within the bounds "
         f"asked)"),
    ],
)  # fmt: skip
def test_a_condition_that_can_never_be_true_is_refused(text: str, message: str) -> None:
    with pytest.raises(RuleError) as refused:
        analyse(text)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    "text",
    [
        "amount > 5 or amount < 3",
        "amount >= 3 and amount <= 3",
        "amount is missing or amount > 3",
        "not (amount is missing) and amount > 3",
        "country != 'FR' and country != 'DE'",
        "not (1 > 2) and amount > 1",
        "b == false and not b",
        "country in @blocked and country not in @blocked",  # named lists change: never judged
        "amount * 2 > 3 and amount * 2 < 1",  # arithmetic is not analysed: accepted
        "true",
    ],
)
def test_a_condition_that_can_be_true_passes(text: str) -> None:
    analyse(text)


def test_past_the_limit_of_alternatives_the_analysis_accepts() -> None:
    wide = " and ".join(f"(amount == {i} or amount == {i + 100})" for i in range(10))
    assert 2**10 > MAX_ALTERNATIVES
    analyse(wide)  # impossible (amount cannot equal ten values), but not looked into
    with pytest.raises(RuleError):
        analyse(" and ".join(f"(amount == {i} or amount == {i + 100})" for i in range(3)))
