"""The feature catalog compiled to SQL, what every dialect shares: the expressions of a plan
(:mod:`fraudd.feature_catalog.plan`) over the per-transaction aggregates, intervals, checked
literals and each aggregate's conditions on a scanned row. Each dialect's serving and training
queries are assembled in :mod:`fraudd.warehouse.feature_dialects`. With it, the one place that
writes feature SQL.

Offsets are in hours (minutes when a window needs them), never days: timestamptz +/- days
follows the session time zone's daylight-saving changes. Parameters are ``/*name*/%s`` markers
(:func:`fraudd.warehouse.features.bind`); catalog values are checked literals.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import timedelta

from fraudd.columns import TRANSACTION
from fraudd.feature_catalog.plan import EXACT_SUMS, Agg, Expr, Group, Plan, field_type

_LITERAL = re.compile(r"^[A-Za-z0-9 _.:/+-]{0,64}$")
UNITS = {"days": " / 86400", "hours": " / 3600", "seconds": ""}
AND_ON = "\n     AND "
KNOWN = "l.is_fraud AND l.labelled_at <= b.tx_time"
NOT_NULL = frozenset(c.name for c in TRANSACTION if c.required)
"""The transaction's fields that always hold a value (``NOT NULL``)."""


def interval(span: timedelta) -> str:
    """``interval '24 hours'`` (minutes when the span is not whole hours)."""
    minutes = int(span.total_seconds()) // 60
    return (
        f"interval '{minutes // 60} hours'"
        if minutes % 60 == 0
        else f"interval '{minutes} minutes'"
    )


def literal(value: object) -> str:
    """A catalog value as a SQL literal (checked: the catalog's pattern, or a number)."""
    if isinstance(value, bool):  # a declared boolean field's value
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(float(value))
    if not isinstance(value, str) or not _LITERAL.match(value):
        raise ValueError(f"{value!r} is not a catalog value")
    return f"'{value}'"


def conditions(agg: Agg, reach: timedelta, alias: str = "u", *, known: bool = True) -> list[str]:
    """What ``agg`` asks of a row of a scan reaching ``reach`` before t."""
    conds = []
    if agg.reach < reach:
        conds.append(f"{alias}.tx_time > b.tx_time - {interval(agg.reach)}")
    if agg.strict:
        conds.append(f"{alias}.tx_time < b.tx_time")
    for name, values in agg.filter:
        conds.append(f"{alias}.{name} IN ({', '.join(literal(v) for v in values)})")
    if agg.known_fraud and known:
        conds.append(KNOWN)
    return conds


def key_match(group: Group, alias: str = "u") -> list[str]:
    """``u.<key> = b.<key>`` for each field keying ``group``'s entity. On a field that may be
    missing, a missing value matches a missing value: a training window's ``PARTITION BY`` and
    the sweep group them so, and serving must agree (invariant 5)."""
    return [_same(key, alias) for key in group.keys]


def _same(key: str, alias: str) -> str:
    equal = f"{alias}.{key} = b.{key}"
    if key in NOT_NULL:
        return equal
    return f"({equal} OR ({alias}.{key} IS NULL AND b.{key} IS NULL))"


def summed(agg: Agg, alias: str = "u") -> str:
    """The column ``agg`` aggregates; a float field summed as exact NUMERIC (``EXACT_SUMS``)."""
    column = f"{alias}.{agg.column}"
    if agg.function in EXACT_SUMS and field_type(agg.column or "") == "float":
        return f"CAST({column} AS NUMERIC(38, 12))"
    return column


def window_bounds(group: Group, reach: timedelta, alias: str = "u") -> list[str]:
    """``u.tx_time`` in ``(t - reach, t - delay]``."""
    upper = f" - {interval(group.delay)}" if group.delay else ""
    return [
        f"{alias}.tx_time > b.tx_time - {interval(reach)}",
        f"{alias}.tx_time <= b.tx_time{upper}",
    ]


def _paren(text: str) -> str:
    return f"({text})"


def join_kinds(types: Iterable[str]) -> str:
    """The kind of an expression of parts of ``types``: float, int or numeric."""
    kinds = set(types)
    return "float" if "float" in kinds else "int" if kinds == {"int"} else "num"


class FeatureSql:
    """Expressions of a plan in one dialect; subclasses assemble the queries."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.alias = plan.alias

    # -- the final expressions, over the per-transaction aggregates `a` ----------------------

    def select_list(self) -> str:
        """One expression per model input, in order, each cast to float once."""
        lines = [f"{self.output(e)} AS {name}" for name, e in self.plan.features]
        return "      " + "\n    , ".join(lines)

    def output(self, e: Expr) -> str:
        text, kind = self.expr(e)
        return text if kind in ("float", "asis") else self.to_float(text)

    def to_float(self, text: str) -> str:
        """``text`` cast to float8."""
        raise NotImplementedError

    def serving(self) -> str:
        """The serving query (parameters: tx_ids, first, last; Redshift: scan_from, scan_to)."""
        raise NotImplementedError

    def training(self) -> str:
        """The training query (parameters: start, end; Redshift: scan_from, scan_to)."""
        raise NotImplementedError

    def f(self, e: Expr) -> str:
        text, kind = self.expr(e)
        return text if kind == "float" else self.to_float(text)

    def expr(self, e: Expr) -> tuple[str, str]:
        method: Callable[..., tuple[str, str]] = getattr(self, f"op_{e.op}")
        return method(*e.args)

    def op_agg(self, agg: Agg, kind: str) -> tuple[str, str]:
        return f"a.{self.alias[agg]}", kind

    def op_own(self, name: str) -> tuple[str, str]:
        return f"a.{name}", self.plan.types.get(name) or field_type(name)

    def op_lit(self, text: str) -> tuple[str, str]:
        return text, "int"

    def _binary(self, x: Expr, op: str, y: Expr) -> tuple[str, str]:
        (a, ka), (b, kb) = self.expr(x), self.expr(y)
        return _paren(f"{a} {op} {b}"), join_kinds((ka, kb))

    def op_sub(self, x: Expr, y: Expr) -> tuple[str, str]:
        return self._binary(x, "-", y)

    op_difference = op_sub

    def op_mul(self, x: Expr, y: Expr) -> tuple[str, str]:
        return self._binary(x, "*", y)

    def op_add(self, *parts: Expr) -> tuple[str, str]:
        texts = [self.expr(p) for p in parts]
        return _paren(" + ".join(t for t, _ in texts)), join_kinds(k for _, k in texts)

    def op_coalesce(self, *parts: Expr) -> tuple[str, str]:
        texts = [self.expr(p) for p in parts]
        return f"COALESCE({', '.join(t for t, _ in texts)})", texts[0][1]

    def op_share(self, part: Expr, whole: Expr) -> tuple[str, str]:
        n = self.expr(whole)[0]
        return (
            f"CASE WHEN {n} > 0 THEN {self.to_float(self.expr(part)[0])} / {n} ELSE 0 END",
            "float",
        )

    def _extract(self, what: str, zone: str) -> str:
        return f"{self.extract}({what} FROM a.tx_time AT TIME ZONE {literal(zone)})"

    extract = "extract"

    def op_hour(self, zone: str, hours: tuple[int, ...] | None) -> tuple[str, str]:
        hour = self._extract("hour", zone)
        if hours is None:
            return hour, "num"
        return (
            f"CASE WHEN {hour} IN ({', '.join(str(h) for h in hours)}) THEN 1.0 ELSE 0.0 END",
            "num",
        )

    def op_weekend(self, zone: str) -> tuple[str, str]:
        dow = self._extract("dow", zone)
        return f"CASE WHEN {dow} IN (0, 6) THEN 1.0 ELSE 0.0 END", "num"

    def op_in_set(self, own: Expr, values: tuple[object, ...]) -> tuple[str, str]:
        listed = ", ".join(literal(v) for v in values)
        return f"CASE WHEN {self.expr(own)[0]} IN ({listed}) THEN 1.0 ELSE 0.0 END", "num"

    def op_category(self, own: Expr, values: tuple[object, ...]) -> tuple[str, str]:
        whens = " ".join(f"WHEN {literal(v)} THEN {i}" for i, v in enumerate(values))
        return f"CASE {self.expr(own)[0]} {whens} END", "int"

    # -- the per-transaction aggregates -------------------------------------------------------

    def projections(self, source: Callable[[int, Agg], str]) -> str:
        """Each aggregate by its alias, read from ``source`` (counts 0 rather than NULL)."""
        items = []
        for index, group in enumerate(self.plan.groups):
            for agg, name in group.aggs.items():
                ref = f"{source(index, agg)}.{name}"
                counted = agg.function in ("count", "distinct")
                items.append(f"COALESCE({ref}, 0) AS {name}" if counted else ref)
        return ", ".join(items)
