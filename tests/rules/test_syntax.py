"""The grammar: what it builds, and the one line it refuses a text with."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fraudd.rules.nodes import (
    Arithmetic,
    Comparison,
    InList,
    IsMissing,
    Literal_,
    Logical,
    Name,
    Negate,
    Not,
    RuleError,
    Type,
)
from fraudd.rules.syntax import parse


def num(value: float) -> Literal_:
    return Literal_(value, Type.NUMBER)


def test_and_binds_tighter_than_or_and_not_tighter_than_and() -> None:
    tree = parse("a or not b and c")
    assert tree == Logical("or", (Name("a"), Logical("and", (Not(Name("b")), Name("c")))))


def test_arithmetic_has_the_usual_precedence() -> None:
    tree = parse("a - -b * 2 >= 10")
    product = Arithmetic("*", Negate(Name("b")), num(2.0))
    assert tree == Comparison(">=", Arithmetic("-", Name("a"), product), num(10.0))


def test_lists_named_lists_and_missing() -> None:
    assert parse("x in [1, -2.5]") == InList(Name("x"), (num(1.0), num(-2.5)), None)
    assert parse("card_token not in @blocked") == InList(Name("card_token"), None, "blocked", True)
    assert parse("x is missing") == IsMissing(Name("x"))
    assert parse("x is not missing") == IsMissing(Name("x"), negated=True)


def test_literals_strings_durations_timestamps_and_booleans() -> None:
    assert parse("'a\\'b' == \"c\"") == Comparison(
        "==", Literal_("a'b", Type.STRING), Literal_("c", Type.STRING)
    )
    assert parse("x < 10m") == Comparison("<", Name("x"), num(600.0))
    assert parse("x > 1_000 or y < 2d") == parse("x > 1000 or y < 172800")
    when = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    assert parse('t >= timestamp("2026-01-01")') == Comparison(
        ">=", Name("t"), Literal_(when, Type.TIMESTAMP)
    )
    assert parse("true or false # a comment") == Logical(
        "or", (Literal_(True, Type.BOOLEAN), Literal_(False, Type.BOOLEAN))
    )


def test_positions_are_line_and_column() -> None:
    tree = parse("amount > 5\n  and country == 'FR'")
    assert isinstance(tree, Logical)
    assert tree.operands[1].pos.line == 2 and tree.operands[1].pos.column == 15


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a = 3", "line 1, column 3: unexpected character '=' (compare with ==)"),
        ("a && b", "line 1, column 3: unexpected character '&' (write and)"),
        ("a > 1 < 2", "line 1, column 7: unexpected '<'; expected"),
        ("a and or b", "line 1, column 7: unexpected 'or'; expected"),
        ("amount >", "line 1, column 8: unexpected the end of the rule; expected"),
        ("(a > 1", "line 1, column 6: unexpected the end of the rule; expected ')'"),
        ("x in", "line 1, column 3: unexpected the end of the rule; expected '@' or '['"),
        ("x in [y]", "line 1, column 7: a list in a rule holds only literal values"),
        ("t > timestamp('soon')", "line 1, column 15: 'soon' is not an ISO 8601 timestamp"),
        ("__import__('os').system('x')", "line 1, column 11: unexpected '('; expected"),
        ("a > 1\n  b", "line 2, column 3: unexpected 'b'; expected"),
    ],
)
def test_a_text_the_grammar_refuses_gets_one_line(text: str, message: str) -> None:
    with pytest.raises(RuleError) as refused:
        parse(text)
    assert str(refused.value).startswith(message)
    assert "\n" not in str(refused.value)
