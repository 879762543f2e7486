"""Vectorised evaluation: a typed condition → one function over a whole batch of columns.

Each node becomes a closure over numpy arrays, so a rule costs a handful of array operations per
batch, not a Python call per transaction. Missing values follow three-valued logic, as in SQL:

* numbers and timestamps are float64 (timestamps as seconds since the epoch, UTC) with NaN for
  missing; arithmetic on a missing value, or dividing by zero, gives missing;
* a comparison, ``in`` or ``not in`` with a missing operand is *unknown*; ``not unknown`` is
  unknown; ``and``/``or`` are Kleene's (``unknown or true`` is true, ``unknown and false`` false);
* a condition is represented by two masks, ``true`` and ``false`` (unknown: neither), and a rule
  matches a row only where its condition is true;
* ``is missing`` / ``is not missing`` are never unknown.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Any

import numpy as np
import pandas as pd

from fraudd.rules.check import Schema, type_of
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
    Scalar,
    Type,
)

Array = Any  # an np.ndarray, or a scalar broadcast against one


@dataclass(frozen=True)
class Tri:
    """A condition over a batch: where it is true, where it is false (elsewhere unknown)."""

    true: Array
    false: Array


@dataclass(frozen=True)
class Strings:
    """A string column (object array) and where it is missing."""

    values: Array
    missing: Array


Value = Array | Strings | Tri
Compiled = Callable[["Batch"], Value]
COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
}


class Batch:
    """The columns of one batch (name → numpy array or pandas Series, all of one length),
    each converted once, on first use, to the representation of its schema type."""

    def __init__(self, columns: Mapping[str, Any], schema: Schema) -> None:
        self.columns = columns
        self.schema = schema
        lengths = {len(c) for c in columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns of different lengths: {sorted(lengths)}")
        self.size = lengths.pop() if lengths else 0
        self._converted: dict[str, Value] = {}

    def value(self, name: str) -> Value:
        """The column ``name`` as the compiled rules read it."""
        if name not in self._converted:
            if name not in self.columns:
                raise ValueError(f"the batch has no column {name!r}, which a rule reads")
            self._converted[name] = convert(self.columns[name], self.schema[name])
        return self._converted[name]

    def mask(self, condition: Tri) -> np.ndarray:
        """Where a condition is true, as a boolean array of the batch's length."""
        return np.broadcast_to(np.asarray(condition.true, dtype=bool), (self.size,))


def convert(column: Any, kind: Type) -> Value:
    """One input column in its evaluation form; None, NaN, NaT and pandas' NA are missing."""
    if isinstance(column, np.ndarray) and _plain_kind(column.dtype.kind, kind):
        return _plain(column, kind)
    series = column if isinstance(column, pd.Series) else pd.Series(column, dtype=_dtype(kind))
    if kind is Type.NUMBER:
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    if kind is Type.TIMESTAMP:
        return _seconds(series)
    missing = series.isna().to_numpy()
    if kind is Type.STRING:
        return Strings(series.to_numpy(dtype=object), missing)
    values = series.fillna(False).to_numpy(dtype=bool)
    return Tri(values & ~missing, ~values & ~missing)


def _plain_kind(dtype_kind: str, kind: Type) -> bool:
    """Whether a numpy column needs no conversion: numbers as numbers or timestamps (seconds),
    booleans as booleans (a float column read as boolean goes through pandas: NaN is missing)."""
    if kind is Type.BOOLEAN:
        return dtype_kind == "b"
    return kind is not Type.STRING and dtype_kind in "biuf"


def _plain(column: np.ndarray, kind: Type) -> Value:
    """The fast path for a numpy column of numbers or booleans (nothing to convert)."""
    if kind is Type.BOOLEAN:
        values = column.astype(bool, copy=False)
        return Tri(values, ~values)
    return column.astype(np.float64, copy=False)


def _dtype(kind: Type) -> str | None:
    return {Type.NUMBER: "Float64", Type.BOOLEAN: "boolean", Type.STRING: "object"}.get(kind)


def _seconds(series: pd.Series) -> np.ndarray:
    """Timestamps as float seconds since the epoch (naive ones are UTC), NaN where missing."""
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    instants = pd.to_datetime(series, utc=True)
    nanos = instants.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    return np.where(instants.isna().to_numpy(), np.nan, nanos / 1e9)


def compile_condition(expr: Expr, lists: Mapping[str, Sequence[Scalar]]) -> Callable[[Batch], Tri]:
    """The function evaluating a checked condition over a batch; ``lists``: the named lists."""
    run = _Compiler(lists).visit(expr)
    return lambda batch: _cond(run(batch))


def _cond(value: Value) -> Tri:
    assert isinstance(value, Tri), "a condition where the checker saw one"
    return value


def _text(value: Value) -> Strings:
    assert isinstance(value, Strings), "a string where the checker saw one"
    return value


def _number(value: Value) -> Array:
    assert not isinstance(value, Strings | Tri), "a number where the checker saw one"
    return value


def _isnan(value: Array) -> Array:
    return np.isnan(value)


def _tri(result: Array, known: Array) -> Tri:
    # logical_not, not ~: a comparison of two literals gives a Python bool, and ~True is -2.
    return Tri(np.logical_and(result, known), np.logical_and(np.logical_not(result), known))


class _Compiler:
    def __init__(self, lists: Mapping[str, Sequence[Scalar]]) -> None:
        self.lists = lists

    def visit(self, expr: Expr) -> Compiled:
        method = getattr(self, f"_{type(expr).__name__.lower().rstrip('_')}")
        compiled: Compiled = method(expr)
        return compiled

    def _literal(self, expr: Literal_) -> Compiled:
        value: Value = expr.value
        if expr.type is Type.BOOLEAN:
            value = Tri(np.bool_(expr.value), np.bool_(not expr.value))
        elif expr.type is Type.STRING:
            value = Strings(expr.value, np.False_)
        return lambda _batch: value

    def _name(self, expr: Name) -> Compiled:
        name = expr.name
        return lambda batch: batch.value(name)

    def _negate(self, expr: Negate) -> Compiled:
        operand = self.visit(expr.operand)
        return lambda batch: -_number(operand(batch))

    def _arithmetic(self, expr: Arithmetic) -> Compiled:
        left, right, op = self.visit(expr.left), self.visit(expr.right), ARITH[expr.op]

        def arithmetic(batch: Batch) -> Array:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                a, b = np.asarray(left(batch), np.float64), np.asarray(right(batch), np.float64)
                result = op(a, b)
            # ±inf (a division by zero, an overflow) is no amount anyone meant: missing.
            return np.where(np.isfinite(result), result, np.nan)

        return arithmetic

    def _comparison(self, expr: Comparison) -> Compiled:
        left, right, op = self.visit(expr.left), self.visit(expr.right), COMPARE[expr.op]
        kind = type_of(expr.left)
        if kind is Type.BOOLEAN:
            return self._booleans(expr.op, left, right)
        if kind is Type.STRING:
            return lambda batch: _strings(op, _text(left(batch)), _text(right(batch)))

        def numbers(batch: Batch) -> Tri:
            a, b = left(batch), right(batch)
            return _tri(op(a, b), np.logical_not(_isnan(a) | _isnan(b)))

        return numbers

    def _booleans(self, op: str, left: Compiled, right: Compiled) -> Compiled:
        def equal(batch: Batch) -> Tri:
            a, b = _cond(left(batch)), _cond(right(batch))
            same = (a.true & b.true) | (a.false & b.false)
            differ = (a.true & b.false) | (a.false & b.true)
            return Tri(same, differ) if op == "==" else Tri(differ, same)

        return equal

    def _inlist(self, expr: InList) -> Compiled:
        operand = self.visit(expr.operand)
        if expr.values is not None:
            items: Sequence[Scalar] = [v.value for v in expr.values]
        else:
            items = list(self.lists[expr.list_name or ""])
        found = _strings_in(frozenset(items)) if type_of(expr.operand) is Type.STRING else (
            _numbers_in(np.array(items, dtype=np.float64))
        )  # fmt: skip
        negated = expr.negated

        def member(batch: Batch) -> Tri:
            value = operand(batch)
            if isinstance(value, Strings):
                values, missing = value.values, value.missing
            else:
                values, missing = _number(value), _isnan(value)
            result = _tri(found(values), np.logical_not(missing))
            return Tri(result.false, result.true) if negated else result

        return member

    def _ismissing(self, expr: IsMissing) -> Compiled:
        operand, negated = self.visit(expr.operand), expr.negated

        def missing(batch: Batch) -> Tri:
            value = operand(batch)
            if isinstance(value, Tri):
                gone = np.logical_not(np.logical_or(value.true, value.false))
            else:
                gone = value.missing if isinstance(value, Strings) else _isnan(value)
            kept = np.logical_not(gone)
            return Tri(kept, gone) if negated else Tri(gone, kept)

        return missing

    def _not(self, expr: Not) -> Compiled:
        operand = self.visit(expr.operand)

        def not_(batch: Batch) -> Tri:
            value = _cond(operand(batch))
            return Tri(value.false, value.true)

        return not_

    def _logical(self, expr: Logical) -> Compiled:
        operands = [self.visit(o) for o in expr.operands]
        conj = expr.op == "and"

        def logical(batch: Batch) -> Tri:
            values = [_cond(o(batch)) for o in operands]
            trues, falses = [v.true for v in values], [v.false for v in values]
            if conj:
                return Tri(reduce(np.logical_and, trues), reduce(np.logical_or, falses))
            return Tri(reduce(np.logical_or, trues), reduce(np.logical_and, falses))

        return logical


def _strings_in(wanted: frozenset[Scalar]) -> Callable[[Array], Array]:
    """Membership of strings: a set lookup per value (a fifth of what pandas' isin costs on a
    batch of 1,000 object strings, which it first converts)."""

    def found(values: Array) -> Array:
        if not np.ndim(values):
            return values in wanted
        return np.fromiter(map(wanted.__contains__, values), bool, len(values))

    return found


def _numbers_in(wanted: np.ndarray) -> Callable[[Array], Array]:
    return lambda values: np.isin(values, wanted)


def _strings(op: Callable[[Any, Any], Any], a: Strings, b: Strings) -> Tri:
    known = np.logical_not(np.logical_or(a.missing, b.missing))
    equal = np.asarray(a.values == b.values, dtype=bool)
    return _tri(op(equal, True), known)
