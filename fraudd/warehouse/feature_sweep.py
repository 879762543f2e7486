"""PostgreSQL training's counts and sums as a sweep over time, one running sum per key.

A transaction ``u`` counts for a transaction at t of its entity when ``u.tx_time`` lies in the
window ``(t - reach, t - delay]`` (strictly before t when undelayed) and it passes the filter;
a fraud counts for the known frauds' aggregates when also its label is known at t
(``labelled_at <= t``): that is, for t in ``[max(labelled_at, tx_time + delay), tx_time +
reach)`` — one interval of t. So each is a ``+v`` event at the interval's start and a ``-v``
at its end, and a running sum over the events
and the scored transactions, ordered by time per key (peers included), gives each t its total.
Strictly before t is ``tx_time + 1 microsecond``, tx_time's resolution.

The sums are exact types (bigint, numeric): the order of their terms changes no bit, so they
equal serving's per-transaction aggregates exactly; with no fraud in the window a sum is NULL,
as serving's is, and a count 0.
"""

from __future__ import annotations

from fraudd.feature_catalog.plan import Agg, Group
from fraudd.warehouse.feature_sql import interval, literal, summed

SUMMABLE = ("count", "sum", "sumsq")
"""The aggregates a running sum computes (min, max and distinct counts are not additive)."""


def summable(agg: Agg) -> bool:
    """True when ``agg`` adds up transactions (or known frauds)."""
    return agg.function in SUMMABLE


def partition(keys: tuple[str, ...]) -> str:
    """A window's partition by the entity's fields, compared byte-wise as the indexes do."""
    return ", ".join(f'{key} COLLATE "C"' for key in keys)


def sweep(name: str, group: Group, aggs: dict[Agg, str]) -> str:
    """The CTE ``name``: each scored transaction's ``aggs`` (alias -> running total), read
    from the training query's ``tx`` (and ``frauds``) CTEs."""
    deltas = [(f"d{j}", agg) for j, agg in enumerate(aggs)]
    keys = ", ".join(f"b.{k}" for k in group.keys)
    nulls = ", ".join(f"CAST(NULL AS {_type(a)}) AS {d}, CAST(NULL AS bigint) AS c{d}"
                      for d, a in deltas)  # fmt: skip
    branches = [
        f"SELECT b.tx_id, b.tx_time AS at, {keys}, {nulls}\n"
        "        FROM p JOIN tx b ON b.tx_time >= p.start_at"
    ]
    for d, agg in deltas:
        branches += [_events(group, agg, d, deltas, sign) for sign in (1, -1)]
    totals = [
        f"SUM({d}) OVER k AS {alias}" if agg.function == "count"
        else f"CASE WHEN SUM(c{d}) OVER k > 0 THEN SUM({d}) OVER k END AS {alias}"
        for (d, agg), alias in zip(deltas, aggs.values(), strict=True)
    ]  # fmt: skip
    return (
        f"{name} AS (\n    SELECT e.tx_id, {', '.join(totals)}\n    FROM (\n        "
        + "\n        UNION ALL\n        ".join(branches)
        + f"\n    ) e\n    WINDOW k AS (PARTITION BY {partition(group.keys)} ORDER BY at "
        "RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)\n)"
    )


def interval_of(group: Group, agg: Agg) -> tuple[str, str]:
    """When a transaction (a fraud, for known frauds) ``u`` starts and stops counting for
    ``agg``: SQL over ``u``."""
    after = f"u.tx_time + {interval(group.delay)}" if group.delay else "u.tx_time"
    if agg.strict:
        after += " + interval '1 microsecond'"
    if agg.known_fraud:
        after = f"GREATEST(u.labelled_at, {after})"
    return after, f"u.tx_time + {interval(agg.reach)}"


def _events(group: Group, agg: Agg, mine: str, deltas: list[tuple[str, Agg]], sign: int) -> str:
    """The +v (``sign`` 1, at the start) or -v (at the end) events of ``agg``'s transactions
    (or frauds); a fraud whose label comes after the window has passed has none."""
    start, end = interval_of(group, agg)
    value = "1" if agg.function == "count" else summed(agg)
    value = f"{value} * {value}" if agg.function == "sumsq" else value
    cells = ", ".join(
        f"{'' if sign > 0 else '-'}{value}, {sign}" if d == mine else "NULL, NULL"
        for d, _ in deltas
    )
    when = [f"u.{n} IN ({', '.join(literal(v) for v in vs)})" for n, vs in agg.filter]
    keys = ", ".join(f"u.{k}" for k in group.keys)
    return (
        f"SELECT NULL, {start if sign > 0 else end}, {keys}, {cells}\n"
        f"        FROM {'frauds' if agg.known_fraud else 'tx'} u"
        f" WHERE {' AND '.join([*when, f'{start} < {end}'])}"
    )


def _type(agg: Agg) -> str:
    return "bigint" if agg.function == "count" else "numeric"
