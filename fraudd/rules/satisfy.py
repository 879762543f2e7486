"""Conditions that can never be true: refused, since such a rule would sit in the set doing nothing.

The condition is put in negation normal form (sound under three-valued logic: the negation of a
comparison that is *false* is the opposite comparison, its operands known) and expanded into
alternatives (disjunctive normal form). An alternative is impossible when it holds a constant
that is never true, asks a name to be both missing and known, bounds a number or timestamp to an
empty interval, allows no value of a string or boolean, or holds a sub-condition and its
negation. The condition is refused when every alternative is impossible. Named lists are never
looked into: their contents change without the rule changing.

Beyond :data:`MAX_ALTERNATIVES` alternatives the analysis gives up and accepts the rule.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import product
from typing import Any

import numpy as np

from fraudd.rules.nodes import (
    Comparison,
    Expr,
    InList,
    IsMissing,
    Literal_,
    Logical,
    Name,
    Not,
    Pos,
    RuleError,
    Scalar,
)
from fraudd.rules.vector import Batch, compile_condition

MAX_ALTERNATIVES = 512
FLIP = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}
MIRROR = {"==": "==", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}


@dataclass(frozen=True)
class Atom:
    """One test in an alternative: on a ``name`` (``op`` with ``values``, or ``missing``), an
    opaque sub-condition ``node`` with its polarity, or a ``constant``."""

    pos: Pos
    name: str | None = None
    op: str = ""
    values: tuple[Scalar, ...] = ()
    node: Expr | None = None
    positive: bool = True
    constant: bool | None = None


class TooMany(Exception):
    """More alternatives than the analysis looks at."""


def refuse_if_never(expr: Expr) -> None:
    """Raise :class:`RuleError` when the checked condition ``expr`` can never be true."""
    try:
        alternatives = list(_dnf(expr, negated=False))
    except TooMany:
        return
    reasons = [_impossible(a) for a in alternatives]
    if all(r is not None for r in reasons):
        first = reasons[0]
        assert first is not None
        if len(reasons) == 1:
            raise RuleError(first[0], f"the condition can never be true: {first[1]}")
        what = f"the condition can never be true: no alternative can ({first[1]})"
        raise RuleError(expr.pos, what)


def _dnf(expr: Expr, negated: bool) -> Iterator[list[Atom]]:
    """The alternatives of ``expr`` (or of ``not expr``), each a list of atoms."""
    if isinstance(expr, Not):
        yield from _dnf(expr.operand, not negated)
    elif isinstance(expr, Logical):
        yield from _logical(expr, negated)
    else:
        yield [_atom(expr, negated)]


def _logical(expr: Logical, negated: bool) -> Iterator[list[Atom]]:
    parts = [list(_dnf(o, negated)) for o in expr.operands]
    if (expr.op == "or") != negated:
        yield from (alt for part in parts for alt in part)
        return
    if math.prod(len(p) for p in parts) > MAX_ALTERNATIVES:
        raise TooMany
    for combination in product(*parts):
        yield [atom for alt in combination for atom in alt]


def _atom(expr: Expr, negated: bool) -> Atom:
    if not _names(expr):
        return Atom(expr.pos, constant=_constant(expr, negated))
    if isinstance(expr, Name):
        return Atom(expr.pos, expr.name, "==", (not negated,))
    if isinstance(expr, IsMissing) and isinstance(expr.operand, Name):
        return Atom(expr.pos, expr.operand.name, "missing", positive=expr.negated == negated)
    if isinstance(expr, InList) and isinstance(expr.operand, Name) and expr.values is not None:
        op = "not in" if expr.negated != negated else "in"
        return Atom(expr.pos, expr.operand.name, op, tuple(v.value for v in expr.values))
    if isinstance(expr, Comparison):
        found = _on_name(expr)
        if found is not None:
            name, op, value = found
            return Atom(expr.pos, name, FLIP[op] if negated else op, (value,))
    return Atom(expr.pos, node=expr, positive=not negated)


def _on_name(expr: Comparison) -> tuple[str, str, Scalar] | None:
    """``name op literal`` (a literal on the left is mirrored), else None."""
    left, right = expr.left, expr.right
    if isinstance(left, Name) and isinstance(right, Literal_):
        return left.name, expr.op, right.value
    if isinstance(right, Name) and isinstance(left, Literal_):
        return right.name, MIRROR[expr.op], left.value
    return None


def _names(expr: Any) -> bool:
    """Whether ``expr`` reads any named input or list."""
    if isinstance(expr, Name) or (isinstance(expr, InList) and expr.list_name is not None):
        return True
    children = [getattr(expr, f, None) for f in ("operand", "left", "right")]
    children += list(getattr(expr, "operands", ()))
    return any(_names(c) for c in children if c is not None)


def _constant(expr: Expr, negated: bool) -> bool:
    """Whether a condition without inputs (or its negation) is true; not when it is unknown."""
    condition = compile_condition(expr, {})(Batch({}, {}))
    return bool(np.asarray(condition.false if negated else condition.true))


@dataclass
class _Bounds:
    """What an alternative asks of one name."""

    missing: bool | None = None
    low: float = -math.inf
    low_open: bool = False
    high: float = math.inf
    high_open: bool = False
    allowed: set[Scalar] | None = None
    excluded: set[Scalar] = field(default_factory=set)


def _impossible(alternative: list[Atom]) -> tuple[Pos, str] | None:
    """Where and why an alternative can never be true, or None when it can."""
    bounds: dict[str, _Bounds] = {}
    opaque: dict[Expr, bool] = {}
    for atom in alternative:
        if atom.constant is not None:
            if not atom.constant:
                return atom.pos, "it is always false"
            continue
        if atom.name is None:
            assert atom.node is not None
            if opaque.setdefault(atom.node, atom.positive) != atom.positive:
                return atom.pos, "it asks for a condition and its opposite"
            continue
        why = _narrow(bounds.setdefault(atom.name, _Bounds()), atom)
        if why is not None:
            return atom.pos, f"{atom.name} {why}"
    return None


def _narrow(b: _Bounds, atom: Atom) -> str | None:
    """Add one atom to a name's bounds; why they became impossible, or None."""
    wants_missing = atom.op == "missing" and atom.positive
    if b.missing is not None and b.missing != wants_missing:
        return "cannot be both missing and not missing"
    b.missing = wants_missing
    if atom.op != "missing":
        NARROW[atom.op](b, atom.values)
    return _empty(b)


def _equal(b: _Bounds, values: tuple[Scalar, ...]) -> None:
    b.allowed = set(values) if b.allowed is None else b.allowed & set(values)


def _unequal(b: _Bounds, values: tuple[Scalar, ...]) -> None:
    b.excluded |= set(values)


def _above(inclusive: bool) -> Callable[[_Bounds, tuple[Scalar, ...]], None]:
    def narrow(b: _Bounds, values: tuple[Scalar, ...]) -> None:
        value = float(values[0])
        if value > b.low or (value == b.low and not inclusive):
            b.low, b.low_open = value, not inclusive

    return narrow


def _below(inclusive: bool) -> Callable[[_Bounds, tuple[Scalar, ...]], None]:
    def narrow(b: _Bounds, values: tuple[Scalar, ...]) -> None:
        value = float(values[0])
        if value < b.high or (value == b.high and not inclusive):
            b.high, b.high_open = value, not inclusive

    return narrow


NARROW: dict[str, Callable[[_Bounds, tuple[Scalar, ...]], None]] = {
    "==": _equal,
    "in": _equal,
    "!=": _unequal,
    "not in": _unequal,
    ">": _above(False),
    ">=": _above(True),
    "<": _below(False),
    "<=": _below(True),
}


def _empty(b: _Bounds) -> str | None:
    """Why no value satisfies the bounds, or None."""
    if b.low > b.high or (b.low == b.high and (b.low_open or b.high_open)):
        return "has no value within the bounds asked"
    if b.low == b.high and b.low in b.excluded:
        return "has no value within the bounds asked"
    if b.allowed is None:
        return "has no value left: true and false are both excluded" if _no_boolean(b) else None
    left = [v for v in b.allowed - b.excluded if _within(b, v)]
    return None if left else "has no value left that every condition allows"


def _no_boolean(b: _Bounds) -> bool:
    return {True, False} <= b.excluded


def _within(b: _Bounds, value: Scalar) -> bool:
    if isinstance(value, str | bool):
        return True
    low_ok = value > b.low or (value == b.low and not b.low_open)
    return low_ok and (value < b.high or (value == b.high and not b.high_open))
