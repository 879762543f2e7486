"""The one-line error every stage of the rule language raises."""

from __future__ import annotations

from fraudd.rules.nodes import Pos, RuleError


def test_a_rule_error_is_one_line_saying_where_and_what() -> None:
    error = RuleError(Pos(2, 7), "unknown name 'amout'")
    assert str(error) == "line 2, column 7: unknown name 'amout'"
    assert (error.pos, error.what) == (Pos(2, 7), "unknown name 'amout'")
    assert isinstance(error, ValueError)
