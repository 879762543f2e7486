"""Type checking: a parsed condition against the caller's schema (name → type) and lists.

Returns the same tree with every node's ``type`` filled in, or refuses the first unknown name,
unknown list or type error with one line saying where. The types and what they allow:

* number: arithmetic, ordering; a duration literal (``10m``) is a number of seconds;
* timestamp: ordering; ``timestamp - timestamp`` is a number of seconds, ``timestamp ± number``
  a timestamp;
* string: ``==``, ``!=``, ``in``; boolean: ``==``, ``!=``, ``and``/``or``/``not``;
* every type: ``is missing``.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import replace

from fraudd.rules.nodes import (
    Arithmetic,
    Comparison,
    Expr,
    InList,
    IsMissing,
    Literal_,
    Logical,
    Name,
    Negate,
    Not,
    Pos,
    RuleError,
    Type,
)

Schema = Mapping[str, Type]
ORDERED = {Type.NUMBER, Type.TIMESTAMP}
ARITH: dict[tuple[str, Type, Type], Type] = {
    **{(op, Type.NUMBER, Type.NUMBER): Type.NUMBER for op in "+-*/"},
    ("-", Type.TIMESTAMP, Type.TIMESTAMP): Type.NUMBER,
    ("+", Type.TIMESTAMP, Type.NUMBER): Type.TIMESTAMP,
    ("-", Type.TIMESTAMP, Type.NUMBER): Type.TIMESTAMP,
    ("+", Type.NUMBER, Type.TIMESTAMP): Type.TIMESTAMP,
}
VERB = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide"}


def check(expr: Expr, schema: Schema, lists: Mapping[str, Type]) -> Expr:
    """``expr`` typed; a condition must be boolean."""
    typed = _Checker(schema, lists).visit(expr)
    if typed.type is not Type.BOOLEAN:
        what = f"a condition must be true or false, not a {type_of(typed).value}"
        raise RuleError(expr.pos, what)
    return typed


def type_of(expr: Expr) -> Type:
    """The type the checker gave ``expr``."""
    assert expr.type is not None, "an unchecked expression"
    return expr.type


class _Checker:
    def __init__(self, schema: Schema, lists: Mapping[str, Type]) -> None:
        self.schema = schema
        self.lists = lists

    def visit(self, expr: Expr) -> Expr:
        method = getattr(self, f"_{type(expr).__name__.lower().rstrip('_')}")
        typed: Expr = method(expr)
        return typed

    def _literal(self, expr: Literal_) -> Expr:
        return expr

    def _name(self, expr: Name) -> Expr:
        if expr.name not in self.schema:
            near = difflib.get_close_matches(expr.name, list(self.schema), n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise RuleError(expr.pos, f"unknown name {expr.name!r}{hint}")
        return replace(expr, type=self.schema[expr.name])

    def _negate(self, expr: Negate) -> Expr:
        operand = self.visit(expr.operand)
        if type_of(operand) is not Type.NUMBER:
            raise RuleError(expr.pos, f"cannot negate a {type_of(operand).value}")
        return replace(expr, operand=operand, type=Type.NUMBER)

    def _arithmetic(self, expr: Arithmetic) -> Expr:
        left, right = self.visit(expr.left), self.visit(expr.right)
        result = ARITH.get((expr.op, type_of(left), type_of(right)))
        if result is None:
            what = f"{type_of(left).value} and {type_of(right).value}"
            raise RuleError(expr.pos, f"cannot {VERB[expr.op]} {what}")
        return replace(expr, left=left, right=right, type=result)

    def _comparison(self, expr: Comparison) -> Expr:
        left, right = self.visit(expr.left), self.visit(expr.right)
        lt, rt = type_of(left), type_of(right)
        if lt is not rt:
            raise RuleError(expr.pos, f"cannot compare a {lt.value} with a {rt.value}")
        if expr.op not in ("==", "!=") and lt not in ORDERED:
            raise RuleError(expr.pos, f"a {lt.value} compares only with == or !=, not {expr.op}")
        return replace(expr, left=left, right=right, type=Type.BOOLEAN)

    def _inlist(self, expr: InList) -> Expr:
        operand = self.visit(expr.operand)
        wanted = type_of(operand)
        if wanted is Type.BOOLEAN:
            raise RuleError(expr.pos, "a boolean is not looked up in a list: compare it with ==")
        if expr.list_name is not None:
            self._named(expr.list_name, wanted, expr.list_pos)
        if not expr.values and expr.list_name is None:
            raise RuleError(expr.pos, "an empty list: nothing is in it, the rule can never match")
        for item in expr.values or ():
            if item.type is not wanted:
                what = f"a {item.type.value} in a list compared with a {wanted.value}"
                raise RuleError(item.pos, what)
        return replace(expr, operand=operand, type=Type.BOOLEAN)

    def _named(self, name: str, wanted: Type, pos: Pos) -> None:
        if name not in self.lists:
            near = difflib.get_close_matches(name, list(self.lists), n=1)
            hint = f"; did you mean @{near[0]}?" if near else ""
            raise RuleError(pos, f"unknown list @{name}{hint}")
        if self.lists[name] is not wanted:
            got = self.lists[name].value
            raise RuleError(pos, f"@{name} is a list of {got}s, compared with a {wanted.value}")

    def _ismissing(self, expr: IsMissing) -> Expr:
        return replace(expr, operand=self.visit(expr.operand), type=Type.BOOLEAN)

    def _not(self, expr: Not) -> Expr:
        return replace(expr, operand=self._condition(expr.operand, "not"), type=Type.BOOLEAN)

    def _logical(self, expr: Logical) -> Expr:
        operands = tuple(self._condition(o, expr.op) for o in expr.operands)
        return replace(expr, operands=operands, type=Type.BOOLEAN)

    def _condition(self, expr: Expr, word: str) -> Expr:
        typed = self.visit(expr)
        if type_of(typed) is not Type.BOOLEAN:
            what = f"{word!r} takes conditions (true or false), not a {type_of(typed).value}"
            raise RuleError(expr.pos, what)
        return typed
