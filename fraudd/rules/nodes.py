"""The rule language's syntax tree, its four types, and the one-line error every stage raises.

The parser (:mod:`fraudd.rules.syntax`) builds these nodes, the type checker
(:mod:`fraudd.rules.check`) returns them with their ``type`` filled in, and the compiler
(:mod:`fraudd.rules.vector`) turns a typed tree into numpy operations. Every node knows where it
starts in the rule's text, so that every refusal can say where.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal, TypeAlias


class Type(StrEnum):
    """A value's type. Timestamps are instants (UTC); durations are numbers of seconds."""

    NUMBER = "number"
    STRING = "string"
    BOOLEAN = "boolean"
    TIMESTAMP = "timestamp"


Scalar: TypeAlias = float | str | bool
"""A literal's value: numbers are floats, timestamps are seconds since the epoch (UTC)."""
Compare = Literal["==", "!=", "<", "<=", ">", ">="]
Arith = Literal["+", "-", "*", "/"]


@dataclass(frozen=True)
class Pos:
    """Where a node starts in the rule's text: line and column, both from 1."""

    line: int = 1
    column: int = 1


class RuleError(ValueError):
    """A rule refused: one line saying where (line, column) and what is wrong."""

    def __init__(self, pos: Pos, what: str) -> None:
        self.pos = pos
        self.what = what
        super().__init__(f"line {pos.line}, column {pos.column}: {what}")


@dataclass(frozen=True)
class Literal_:
    """A number, string, boolean or timestamp written in the rule."""

    value: Scalar
    type: Type
    pos: Pos = field(default=Pos(), compare=False)


@dataclass(frozen=True)
class Name:
    """A named input: a record field, a feature, or the model's ``score``."""

    name: str
    pos: Pos = field(default=Pos(), compare=False)
    type: Type | None = None


@dataclass(frozen=True)
class Negate:
    """``-x``."""

    operand: Expr
    pos: Pos = field(default=Pos(), compare=False)
    type: Type | None = None


@dataclass(frozen=True)
class Arithmetic:
    """``a + b``, ``a - b``, ``a * b``, ``a / b``."""

    op: Arith
    left: Expr
    right: Expr
    pos: Pos = field(default=Pos(), compare=False)
    type: Type | None = None


@dataclass(frozen=True)
class Comparison:
    """``a == b`` and the other five comparisons."""

    op: Compare
    left: Expr
    right: Expr
    pos: Pos = field(default=Pos(), compare=False)
    type: Type | None = None


@dataclass(frozen=True)
class InList:
    """``x in [1, 2]``, ``x in @named_list``; ``negated`` for ``not in``."""

    operand: Expr
    values: tuple[Literal_, ...] | None
    list_name: str | None
    negated: bool = False
    pos: Pos = field(default=Pos(), compare=False)
    type: Type | None = None
    list_pos: Pos = field(default=Pos(), compare=False)


@dataclass(frozen=True)
class IsMissing:
    """``x is missing``; ``negated`` for ``x is not missing``."""

    operand: Expr
    negated: bool = False
    pos: Pos = field(default=Pos(), compare=False)
    type: Type | None = None


@dataclass(frozen=True)
class Not:
    """``not x``."""

    operand: Expr
    pos: Pos = field(default=Pos(), compare=False)
    type: Type | None = None


@dataclass(frozen=True)
class Logical:
    """``a and b and …`` or ``a or b or …``."""

    op: Literal["and", "or"]
    operands: tuple[Expr, ...]
    pos: Pos = field(default=Pos(), compare=False)
    type: Type | None = None


Expr: TypeAlias = (
    Literal_ | Name | Negate | Arithmetic | Comparison | InList | IsMissing | Not | Logical
)
