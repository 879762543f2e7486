"""The rule language's grammar, parsed by lark (LALR): text → :mod:`fraudd.rules.nodes` tree.

Nothing in a rule is ever executed as Python: lark turns the text into a tree and the
transformer below builds plain nodes from it. A text the grammar does not accept is refused with
one line saying where and what was expected.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError

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

GRAMMAR = r"""
?start: disj

?disj: conj ("or" conj)+ -> or_
     | conj
?conj: neg ("and" neg)+ -> and_
     | neg
?neg: "not" neg -> not_
    | pred
?pred: sum COMPARE sum -> compare
     | sum "in" items -> in_
     | sum "not" "in" items -> not_in
     | sum "is" "missing" -> missing
     | sum "is" "not" "missing" -> not_missing
     | sum
?sum: product
    | sum "+" product -> add
    | sum "-" product -> sub
?product: unary
        | product "*" unary -> mul
        | product "/" unary -> div
?unary: "-" unary -> negate
      | atom
?atom: NUMBER -> number
     | DURATION -> duration
     | STRING -> string
     | "true" -> true
     | "false" -> false
     | "timestamp" "(" STRING ")" -> timestamp
     | NAME -> name
     | "(" disj ")"
items: "[" [sum ("," sum)*] "]" -> literal_list
     | "@" NAME -> named_list

COMPARE: "==" | "!=" | "<=" | ">=" | "<" | ">"
DURATION.2: /\d[\d_]*(\.\d+)?(s|m|h|d)(?![A-Za-z0-9_])/
NUMBER: /\d[\d_]*(\.\d+)?([eE][+-]?\d+)?/
STRING: /"(\\.|[^"\\\n])*"|'(\\.|[^'\\\n])*'/
NAME: /[A-Za-z_][A-Za-z0-9_]*/
COMMENT: /#[^\n]*/
%import common.WS
%ignore WS
%ignore COMMENT
"""

SECONDS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
FRIENDLY = {
    "NAME": "a name",
    "NUMBER": "a number",
    "STRING": "a string",
    "DURATION": "a duration",
    "COMPARE": "a comparison",
    "$END": "the end of the rule",
}
HINTS = {"=": " (compare with ==)", "&": " (write and)", "|": " (write or)", "!": " (write not)"}
_ESCAPE = re.compile(r"\\(.)")
_ESCAPED = {"n": "\n", "t": "\t"}


@cache
def _parser() -> Lark:
    # The basic lexer keeps keywords reserved: with lark's contextual one, `a and or b` would
    # read `or` as a name where no keyword is expected.
    return Lark(
        GRAMMAR, parser="lalr", lexer="basic", propagate_positions=True, maybe_placeholders=False
    )


def parse(text: str) -> Expr:
    """The tree of one rule's condition, or :class:`RuleError` saying where the text is wrong."""
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as e:
        raise RuleError(Pos(e.line, e.column), _unexpected(e)) from None
    try:
        expr: Expr = _Build().transform(tree)
    except VisitError as e:
        if isinstance(e.orig_exc, RuleError):
            raise e.orig_exc from None
        raise
    return expr


def _unexpected(e: UnexpectedInput) -> str:
    """What the parser met and what it would have accepted there."""
    if isinstance(e, UnexpectedCharacters):
        hint = HINTS.get(e.char, "")
        return f"unexpected character {e.char!r}{hint}"
    assert isinstance(e, UnexpectedToken)
    expected = sorted({_friendly(t) for t in e.expected})
    met = "the end of the rule" if e.token.type == "$END" else repr(str(e.token))
    return f"unexpected {met}; expected {' or '.join(expected[:12])}"


def _friendly(terminal: str) -> str:
    if terminal in FRIENDLY:
        return FRIENDLY[terminal]
    pattern = _parser().get_terminal(terminal).pattern
    return repr(pattern.value)


def _pos(meta: Any) -> Pos:
    return Pos(getattr(meta, "line", 1), getattr(meta, "column", 1))


def _tok(token: Token) -> Pos:
    return Pos(token.line or 1, token.column or 1)


def _string(token: Token) -> str:
    return _ESCAPE.sub(lambda m: _ESCAPED.get(m.group(1), m.group(1)), token[1:-1])


def _instant(text: str, pos: Pos) -> float:
    """An ISO 8601 timestamp as seconds since the epoch; without a zone it is UTC."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise RuleError(pos, f"{text!r} is not an ISO 8601 timestamp") from None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


@v_args(meta=True, inline=True)
class _Build(Transformer[Token, Expr]):
    """lark's tree → nodes, each with its position."""

    def or_(self, meta: Any, *operands: Expr) -> Expr:
        return Logical("or", operands, _pos(meta))

    def and_(self, meta: Any, *operands: Expr) -> Expr:
        return Logical("and", operands, _pos(meta))

    def not_(self, meta: Any, operand: Expr) -> Expr:
        return Not(operand, _pos(meta))

    def compare(self, meta: Any, left: Expr, op: Token, right: Expr) -> Expr:
        return Comparison(str(op), left, right, _tok(op))  # type: ignore[arg-type]

    def in_(self, meta: Any, operand: Expr, items: InList) -> Expr:
        return InList(operand, items.values, items.list_name, False, _pos(meta), None, items.pos)

    def not_in(self, meta: Any, operand: Expr, items: InList) -> Expr:
        return InList(operand, items.values, items.list_name, True, _pos(meta), None, items.pos)

    def missing(self, meta: Any, operand: Expr) -> Expr:
        return IsMissing(operand, False, _pos(meta))

    def not_missing(self, meta: Any, operand: Expr) -> Expr:
        return IsMissing(operand, True, _pos(meta))

    def add(self, meta: Any, left: Expr, right: Expr) -> Expr:
        return Arithmetic("+", left, right, _pos(meta))

    def sub(self, meta: Any, left: Expr, right: Expr) -> Expr:
        return Arithmetic("-", left, right, _pos(meta))

    def mul(self, meta: Any, left: Expr, right: Expr) -> Expr:
        return Arithmetic("*", left, right, _pos(meta))

    def div(self, meta: Any, left: Expr, right: Expr) -> Expr:
        return Arithmetic("/", left, right, _pos(meta))

    def negate(self, meta: Any, operand: Expr) -> Expr:
        if isinstance(operand, Literal_) and operand.type is Type.NUMBER:
            return Literal_(-float(operand.value), Type.NUMBER, _pos(meta))
        return Negate(operand, _pos(meta))

    def number(self, meta: Any, token: Token) -> Expr:
        return Literal_(float(token.replace("_", "")), Type.NUMBER, _tok(token))

    def duration(self, meta: Any, token: Token) -> Expr:
        amount = float(token[:-1].replace("_", ""))
        return Literal_(amount * SECONDS[token[-1]], Type.NUMBER, _tok(token))

    def string(self, meta: Any, token: Token) -> Expr:
        return Literal_(_string(token), Type.STRING, _tok(token))

    def true(self, meta: Any) -> Expr:
        return Literal_(True, Type.BOOLEAN, _pos(meta))

    def false(self, meta: Any) -> Expr:
        return Literal_(False, Type.BOOLEAN, _pos(meta))

    def timestamp(self, meta: Any, token: Token) -> Expr:
        return Literal_(_instant(_string(token), _tok(token)), Type.TIMESTAMP, _pos(meta))

    def name(self, meta: Any, token: Token) -> Expr:
        return Name(str(token), _tok(token))

    def literal_list(self, meta: Any, *items: Expr) -> InList:
        for item in items:
            if not isinstance(item, Literal_):
                raise RuleError(item.pos, "a list in a rule holds only literal values")
        values = tuple(i for i in items if isinstance(i, Literal_))
        return InList(Literal_(0.0, Type.NUMBER), values, None, pos=_pos(meta))

    def named_list(self, meta: Any, token: Token) -> InList:
        return InList(Literal_(0.0, Type.NUMBER), None, str(token), pos=_tok(token))
