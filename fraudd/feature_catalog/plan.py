"""A catalog as a plan: the scans that compute its windows and each feature's expression over
their aggregates. Dialect-neutral and free of SQL: the warehouse renders a plan
(:mod:`fraudd.warehouse.feature_sql`).

Windowed features of one entity with the same delay share one scan of that entity's
transactions in ``(t - widest, t - delay]``; a narrower window is a condition on ``u.tx_time``
inside it. A window that spans two scans' delays (the terminal's latest known fraud of 37 days
over its recent week and its delayed 30 days) is read in pieces, one per scan, and combined
(counts add, the latest of the later piece wins), so no scan reaches further than its own
features need.

Conventions (every dialect, both paths):

* undelayed windows include the transaction itself (it is in the table when it is scored);
* ``known_fraud`` counts a transaction only if its fraud label had arrived by t
  (``labelled_at <= t``, invariant 6), and an undelayed window then looks strictly before t, so
  a transaction's own label never feeds its features; ``since_*`` too look strictly before t;
* NULL means "no such history" (XGBoost: missing); counts are 0, never NULL.

Arithmetic stays in the warehouse's exact types (integers, numeric) as long as the dialect
allows and is cast to float once, at the end; so expressions of features are built from their
inputs' exact expressions, not from the float results.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from fraudd.feature_catalog.catalog import Catalog
from fraudd.feature_catalog.models import (
    FIELDS,
    CategoryFeature,
    Declaration,
    DifferenceFeature,
    FieldFeature,
    HourFeature,
    InSetFeature,
    RatioFeature,
    WeekendFeature,
    WindowFeature,
    ZScoreFeature,
)

AggFunction = Literal["count", "sum", "sumsq", "min", "max", "distinct"]
Filter = tuple[tuple[str, tuple[bool | str | float, ...]], ...]
BASE_FIELDS = ("tx_id", "tx_time", "customer_id", "terminal_id", "card_token", "amount")
"""The scored transaction's fields every plan carries (training rows name the card)."""


@dataclass(frozen=True)
class Agg:
    """One aggregate over a scan's rows ``u`` that match its conditions: ``u.tx_time`` after
    ``t - reach`` (a narrower window than the scan's), the filter, a label known at t, and
    strictly before t."""

    group: tuple[tuple[str, ...], timedelta]
    function: AggFunction
    column: str | None
    reach: timedelta
    filter: Filter = ()
    known_fraud: bool = False
    strict: bool = False


@dataclass
class Group:
    """One scan: the transactions with ``u.<key> = b.<key>`` (for each of ``keys``, the fields
    of the entity) in ``(t - reach, t - delay]``."""

    keys: tuple[str, ...]
    delay: timedelta
    reach: timedelta
    aggs: dict[Agg, str] = field(default_factory=dict)

    @property
    def labelled(self) -> bool:
        """True when an aggregate reads the labels."""
        return any(a.known_fraud for a in self.aggs)


@dataclass(frozen=True)
class Expr:
    """A feature's expression: ``op`` over ``args`` (expressions, names or constants)."""

    op: str
    args: tuple[object, ...] = ()


@dataclass(frozen=True)
class Plan:
    """The scans, the scored transaction's fields, and each model input's expression."""

    groups: tuple[Group, ...]
    fields: tuple[str, ...]
    features: tuple[tuple[str, Expr], ...]
    lookback: timedelta
    types: Mapping[str, str] = field(default_factory=dict)
    """Each field the catalog may read (built-in and declared) -> :func:`field_type`."""

    @property
    def alias(self) -> Mapping[Agg, str]:
        return {agg: name for g in self.groups for agg, name in g.aggs.items()}

    def scan_fields(self) -> tuple[str, ...]:
        """The fields the scans read of ``u``."""
        extra = {a.column for g in self.groups for a in g.aggs if a.column}
        extra |= {name for g in self.groups for a in g.aggs for name, _ in a.filter}
        extra |= {k for g in self.groups for k in g.keys}
        return ("tx_id", "tx_time", *sorted(extra - {"tx_id", "tx_time"}))


EXACT_SUMS = ("sum", "sumsq")
"""Sums over a float field are taken in NUMERIC: a float sum depends on the order of its terms,
which differs between the serving and the training scans (the proofs found it in Redshift mode),
so the paths would disagree in the last bits. min and max do not depend on order."""


def field_type(name: str, fields: Mapping[str, type] = FIELDS) -> str:
    """``num`` (exact), ``float``, ``time``, ``text`` or ``bool``: what arithmetic a field takes
    (``fields``: the catalog's, the built-in ones by default)."""
    wire = fields[name]
    if name == "amount":
        return "num"
    return {float: "float", str: "text", bool: "bool"}.get(wire, "time")


def plan(catalog: Catalog) -> Plan:
    """The plan of ``catalog`` (already checked: references exist, no cycle)."""
    builder = _Builder(catalog)
    exprs = {name: builder.expr(name) for name in catalog.features}
    fields = [*BASE_FIELDS]
    for name in (*(k for g in builder.groups.values() for k in g.keys), *builder.own):
        if name not in fields:
            fields.append(name)
    groups = tuple(builder.groups.values())
    for gi, group in enumerate(groups):
        group.reach = max(a.reach for a in group.aggs)
        group.aggs = {agg: f"g{gi}_{ai}" for ai, agg in enumerate(group.aggs)}
    types = {name: field_type(name, catalog.fields) for name in catalog.fields}
    return Plan(groups, tuple(fields), tuple(exprs.items()), catalog.lookback, types)


class _Builder:
    def __init__(self, catalog: Catalog) -> None:
        self.by_name = catalog.by_name
        self.fields = catalog.fields
        self.done: dict[str, Expr] = {}
        self.groups: dict[tuple[tuple[str, ...], timedelta], Group] = {}
        self.own: list[str] = []
        windows = [d for d in catalog.declarations if isinstance(d, WindowFeature)]
        self.cuts = {(w.keys, w.delay_span) for w in windows}

    def expr(self, name: str) -> Expr:
        if name not in self.done:
            self.done[name] = self._compile(self.by_name[name])
        return self.done[name]

    def _own(self, name: str) -> Expr:
        if name not in self.own:
            self.own.append(name)
        return Expr("own", (name,))

    def _compile(self, d: Declaration) -> Expr:
        if isinstance(d, FieldFeature):
            return self._own(d.field)
        if isinstance(d, HourFeature):
            return Expr("hour", (d.time_zone, d.hours))
        if isinstance(d, WeekendFeature):
            return Expr("weekend", (d.time_zone,))
        if isinstance(d, InSetFeature | CategoryFeature):
            return Expr(d.kind, (self._own(d.field), d.values))
        if isinstance(d, WindowFeature):
            return self._window(d)
        ops = {RatioFeature: "ratio", DifferenceFeature: "difference", ZScoreFeature: "zscore"}
        return Expr(ops[type(d)], tuple(self.expr(i) for i in d.inputs()))

    def _window(self, w: WindowFeature) -> Expr:
        fn = w.function
        if fn in ("count", "since_last", "since_first"):
            return self._pieces(w)
        if fn in ("min", "max"):
            return self._agg(w, fn, w.field)
        if fn == "share":
            whole = self._agg(w, "count", None, plain=True)
            return Expr("share", (self._agg(w, "count", None), whole))
        if fn == "distinct":
            return self._agg(w, "distinct", w.field)
        total, n = self._agg(w, "sum", w.field), self._agg(w, "count", None)
        if w.exclude_self:
            own = self._own(w.field or "")
            total, n = Expr("sub", (total, own)), Expr("sub", (n, Expr("lit", ("1",))))
        if fn == "sum":
            return total
        if fn == "mean":
            return Expr("mean", (total, n))
        squares = self._agg(w, "sumsq", w.field)
        if w.exclude_self:
            squares = Expr("sub", (squares, Expr("mul", (own, own))))
        return Expr("std", (squares, total, n))

    def _pieces(self, w: WindowFeature) -> Expr:
        """Split the window at the delays of the entity's other scans: counts add up, and the
        latest (earliest) transaction is the latest piece's (earliest piece's) if it has one,
        which COALESCE over the pieces in that order gives."""
        lo, hi = w.delay_span, w.span
        cuts = sorted({d for keys, d in self.cuts if keys == w.keys and lo < d < hi})
        bounds = [lo, *cuts, hi]
        fn = w.function
        agg_fn: AggFunction = "count" if fn == "count" else "min" if "first" in fn else "max"
        column = None if fn == "count" else "tx_time"
        parts = [self._agg(w, agg_fn, column, span=(a, b)) for a, b in itertools.pairwise(bounds)]
        if agg_fn == "min":
            parts.reverse()  # the earliest piece's first transaction is the first
        value = (
            parts[0]
            if len(parts) == 1
            else Expr("add" if fn == "count" else "coalesce", tuple(parts))
        )
        if w.exclude_self:  # a count only (checked): the scored transaction is in the window
            value = Expr("sub", (value, Expr("lit", ("1",))))
        return Expr("since", (value, w.unit)) if fn.startswith("since") else value

    def _agg(
        self,
        w: WindowFeature,
        fn: AggFunction,
        column: str | None,
        *,
        span: tuple[timedelta, timedelta] | None = None,
        plain: bool = False,
    ) -> Expr:
        lo, hi = span or (w.delay_span, w.span)
        key = (w.keys, lo)
        group = self.groups.setdefault(key, Group(w.keys, lo, hi))
        known = w.known_fraud and not plain
        strict = lo == timedelta(0) and (known or w.function.startswith("since"))
        filters: Filter = () if plain else tuple(sorted(w.filter.items()))
        agg = Agg(key, fn, column, hi, filters, known, strict)
        group.aggs.setdefault(agg, "")
        counted = fn in ("count", "distinct")
        kind = "int" if counted else field_type(column or "tx_time", self.fields)
        if fn in EXACT_SUMS and kind == "float":
            kind = "num"  # the compilers sum a float field as NUMERIC: see EXACT_SUMS
        return Expr("agg", (agg, kind))
