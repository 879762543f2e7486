"""Each dialect's feature queries, assembled from the shared expressions of
:mod:`fraudd.warehouse.feature_sql`.

* PostgreSQL serving: one ``LATERAL`` subquery per scan, bounded by an index range
  ``(key, tx_time)``, so a batch costs what its windows hold, never the size of the history.
* PostgreSQL training: window frames (``RANGE``, inclusive at both ends, so ``(t - n, t]`` is
  ``n - 1 microsecond PRECEDING``) for what frames can compute; the aggregates over known frauds
  (and distinct counts, ``since_*``) join per transaction, bounded by key and time, which
  checks ``labelled_at`` against each t exactly as serving does.
* Redshift (both paths): no interval frames, so each scan is a self-join of the batch ``b`` with
  one scan ``u`` of ``transactions`` bounded by constants on its sort key (``scan_from``,
  ``scan_to``): zone maps prune only on such predicates
  (https://docs.aws.amazon.com/redshift/latest/dg/t_Sorting_data.html). Divisions run in
  float8: Redshift's numeric division keeps few decimals. It also runs on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from fraudd.feature_catalog.plan import Agg, Expr, Group
from fraudd.warehouse.feature_sql import (
    AND_ON,
    UNITS,
    FeatureSql,
    conditions,
    interval,
    join_kinds,
    key_match,
    summed,
    window_bounds,
)
from fraudd.warehouse.feature_sweep import partition, summable, sweep

_PG_AGG = {"count": "count(*)", "sum": "sum({c})", "sumsq": "sum({c} * {c})", "min": "min({c})",
           "max": "max({c})", "distinct": "count(DISTINCT {c})"}  # fmt: skip
POSTGRES_INDEXED = ("customer_id", "terminal_id")
"""The keys with a ``(key, tx_time)`` index on PostgreSQL (migration 0003): a serving window
keyed by another field reads the whole table for each transaction of a batch."""
_RS_AGG = {"sum": "SUM({v})", "sumsq": "SUM({v})", "min": "MIN({v})", "max": "MAX({v})",
           "distinct": "COUNT(DISTINCT {v})"}  # fmt: skip


def pg_aggregate(agg: Agg, conds: list[str], alias: str = "u") -> str:
    """``sum(u.amount) FILTER (WHERE ...)``."""
    text = _PG_AGG[agg.function].format(c=summed(agg, alias))
    return f"{text} FILTER (WHERE {' AND '.join(conds)})" if conds else text


def _end(delay: timedelta, strict: bool) -> str:
    """A frame's end: t - delay, or just before t (strictly before), or t itself."""
    if delay:
        return f"{interval(delay)} PRECEDING"
    return "interval '1 microsecond' PRECEDING" if strict else "CURRENT ROW"


def indexed(group: Group) -> bool:
    """True when PostgreSQL has a ``(key, tx_time)`` index on one of ``group``'s keys."""
    return bool(set(group.keys) & set(POSTGRES_INDEXED))


class PostgresFeatureSql(FeatureSql):
    """PostgreSQL: numeric until the final ``::float8``, so both paths give the same bits."""

    def to_float(self, text: str) -> str:
        return f"({text})::float8"

    def op_mean(self, total: Expr, n: Expr) -> tuple[str, str]:
        (s, ks), (c, _) = self.expr(total), self.expr(n)
        return f"({s} / NULLIF({c}, 0))", join_kinds((ks, "num"))

    def op_std(self, squares: Expr, total: Expr, n: Expr) -> tuple[str, str]:
        (q, kq), (s, ks), (c, _) = self.expr(squares), self.expr(total), self.expr(n)
        variance = f"({q} - {s} * {s} / NULLIF({c}, 0)) / NULLIF({c} - 1, 0)"
        return f"sqrt(GREATEST(0, {variance}))", join_kinds((kq, ks, "num"))

    def op_ratio(self, x: Expr, y: Expr) -> tuple[str, str]:
        (a, ka), (b, kb) = self.expr(x), self.expr(y)
        if ka == kb == "int":
            return f"({self.to_float(a)} / NULLIF({b}, 0))", "float"
        return f"({a} / NULLIF({b}, 0))", join_kinds((ka, kb))

    def op_zscore(self, x: Expr, mean: Expr, std: Expr) -> tuple[str, str]:
        (a, ka), (m, km), (s, ks) = self.expr(x), self.expr(mean), self.expr(std)
        return f"(({a} - {m}) / NULLIF({s}, 0))", join_kinds((ka, km, ks, "num"))

    def op_since(self, when: Expr, unit: str) -> tuple[str, str]:
        return f"(extract(epoch FROM a.tx_time - {self.expr(when)[0]}){UNITS[unit]})", "num"

    def serving(self) -> str:
        """Features of a batch (``tx_ids``, tx_times in ``[first, last]``) already inserted."""
        laterals = "".join(self._lateral(i, g) for i, g in enumerate(self.plan.groups))
        fields = ", ".join(f"b.{f}" for f in self.plan.fields)
        aggs = self.projections(lambda i, _: f"g{i}")
        return (
            f"SELECT a.tx_id,\n{self.select_list()}\nFROM (\n"
            f"    SELECT {fields}{', ' + aggs if aggs else ''}\n"
            f"    FROM {{schema}}.transactions b{laterals}\n"
            "    WHERE b.tx_id = ANY(/*tx_ids*/%s::text[])\n"
            "      AND b.tx_time BETWEEN /*first*/%s AND /*last*/%s\n) a\n"
        )

    def _lateral(self, index: int, group: Group) -> str:
        body = self._window_scan(group, group.aggs, group.reach)
        return f"\n    CROSS JOIN LATERAL ({body}\n    ) g{index}"

    @staticmethod
    def _window_scan(group: Group, aggs: dict[Agg, str], reach: timedelta) -> str:
        """The subquery computing ``aggs`` over the transactions of ``b``'s entity in
        ``(t - reach, t - delay]``: an index range per transaction (serving's, and training's
        distinct counts), labels joined when an aggregate reads them."""
        listed = ",\n               ".join(
            f"{pg_aggregate(agg, conditions(agg, reach))} AS {name}" for agg, name in aggs.items()
        )
        labels = (
            "\n        LEFT JOIN {schema}.labels l ON l.tx_id = u.tx_id AND l.is_fraud"
            if any(a.known_fraud for a in aggs)
            else ""
        )
        bounds = "\n          AND ".join([*key_match(group), *window_bounds(group, reach)])
        return (
            f"\n        SELECT {listed}\n        FROM {{schema}}.transactions u{labels}\n"
            f"        WHERE {bounds}"
        )

    def training(self) -> str:
        """Features and label of every transaction with ``start <= tx_time < end``."""
        fields = dict.fromkeys((*self.plan.fields, *self.plan.scan_fields()))
        joins = [
            self._join_cte(i, g, known)
            for i, g in enumerate(self.plan.groups)
            for known in (True, False)
        ] + [self._sweep_cte(i, g) for i, g in enumerate(self.plan.groups)]
        ctes = [
            "p AS (\n    SELECT /*start*/%s::timestamptz AS start_at, "
            "/*end*/%s::timestamptz AS end_at\n)",
            f"tx AS (\n    SELECT {', '.join(f't.{f}' for f in fields)}\n    FROM p\n"
            f"    JOIN {{schema}}.transactions t\n      ON {self._scan('t')}\n)",
            self._frames(),
            *self._frauds(),
            *(cte for cte, _ in joins if cte),
        ]
        own = ", ".join(f"w.{f}" for f in self.plan.fields)
        aggs = self.projections(self._source)
        left = "".join(f"    LEFT JOIN {n} ON {n}.tx_id = w.tx_id\n" for _, n in joins if n)
        return (
            "WITH " + ",\n".join(ctes) + "\n"
            f"SELECT a.tx_id, a.tx_time, a.customer_id, a.card_token,\n{self.select_list()}\n"
            "     , a.is_fraud\nFROM (\n"
            f"    SELECT {own}, COALESCE(lb.is_fraud, false) AS is_fraud"
            f"{', ' + aggs if aggs else ''}\n    FROM w\n    CROSS JOIN p\n{left}"
            "    LEFT JOIN {schema}.labels lb ON lb.tx_id = w.tx_id\n"
            "    WHERE w.tx_time >= p.start_at\n) a\nORDER BY a.tx_time, a.tx_id\n"
        )

    def _scan(self, alias: str) -> str:
        reach = interval(self.plan.lookback)
        return f"{alias}.tx_time > p.start_at - {reach} AND {alias}.tx_time < p.end_at"

    @staticmethod
    def framed(agg: Agg) -> bool:
        """True when a window frame computes ``agg`` (no label; strictly-before-t ends the
        frame a microsecond before t, tx_time's resolution, so a time since the previous
        transaction is a frame, not a join over the key's whole window)."""
        return not agg.known_fraud and agg.function in ("count", "sum", "sumsq", "min", "max")

    @staticmethod
    def swept(group: Group, agg: Agg) -> bool:
        """True when ``agg`` is a count or sum over an entity without an index, computed as a
        running sum (:mod:`fraudd.warehouse.feature_sweep`). Such a key (a merchant
        category) has few values and many transactions each: a frame over its large
        partitions was most of the rich catalog's training time (figures in the README), and
        joining its frauds pairs them with every transaction of the value. An indexed key (the
        card, the terminal) has few transactions and frauds each: frames and joins stay."""
        return summable(agg) and not indexed(group)

    def _source(self, index: int, agg: Agg) -> str:
        if self.swept(self.plan.groups[index], agg):
            return f"g{index}s"
        if self.framed(agg):
            return "w"
        return f"g{index}{'f' if agg.known_fraud else 't'}"

    def _frames(self) -> str:
        """The framed aggregates: one named window per (key, reach, delay, strict)."""
        windows: dict[tuple[tuple[str, ...], timedelta, timedelta, bool], str] = {}
        aggs = []
        for group in self.plan.groups:
            for agg, name in group.aggs.items():
                if self.framed(agg) and not self.swept(group, agg):
                    shape = (group.keys, agg.reach, group.delay, agg.strict)
                    frame = windows.setdefault(shape, f"w{len(windows)}")
                    conds = conditions(replace(agg, strict=False), agg.reach, "tx")
                    aggs.append(f"{pg_aggregate(agg, conds, 'tx')} OVER {frame} AS {name}")
        defs = [
            f"{name} AS (PARTITION BY {partition(keys)} "
            f"ORDER BY tx_time RANGE BETWEEN {interval(reach)} - interval '1 microsecond' "
            f"PRECEDING AND {_end(delay, strict)})"
            for (keys, reach, delay, strict), name in windows.items()
        ]
        listed = "".join(f",\n           {a}" for a in aggs)
        window = "\n    WINDOW\n        " + ",\n        ".join(defs) if defs else ""
        return f"w AS (\n    SELECT tx.*{listed}\n    FROM tx{window}\n)"

    def _frauds(self) -> list[str]:
        if not any(g.labelled for g in self.plan.groups):
            return []
        fields = ", ".join(f"u.{f}" for f in self.plan.scan_fields())
        return [
            f"frauds AS (\n    SELECT {fields}, l.labelled_at\n    FROM p\n"
            f"    JOIN {{schema}}.transactions u\n      ON {self._scan('u')}\n"
            "    JOIN {schema}.labels l ON l.tx_id = u.tx_id\n    WHERE l.is_fraud\n)"
        ]

    def _join_cte(self, index: int, group: Group, known: bool) -> tuple[str, str]:
        """The aggregates of ``group`` frames cannot compute: over the transactions, or over
        the frauds known at t (``known``), joined per transaction."""
        mine = {
            a: n
            for a, n in group.aggs.items()
            if not self.framed(a) and not self.swept(group, a) and a.known_fraud == known
        }
        if not mine:
            return "", ""
        name = f"g{index}{'f' if known else 't'}"
        reach = max(a.reach for a in mine)
        if not known and indexed(group):
            return self._lateral_cte(name, group, mine, reach), name
        aggs = ",\n           ".join(
            f"{pg_aggregate(a, conditions(a, reach, known=False))} AS {n}" for a, n in mine.items()
        )
        on = [*key_match(group), *window_bounds(group, reach)]
        on += ["u.labelled_at <= b.tx_time"] if known else []
        return (
            f"{name} AS (\n    SELECT b.tx_id,\n           {aggs}\n    FROM p\n"
            f"    JOIN tx b ON b.tx_time >= p.start_at\n    JOIN {'frauds' if known else 'tx'} u\n"
            f"      ON {AND_ON.join(on)}\n"
            "    GROUP BY b.tx_id\n)",
            name,
        )


    def _lateral_cte(
        self, name: str, group: Group, aggs: dict[Agg, str], reach: timedelta
    ) -> str:
        """``aggs`` per transaction through the entity's index, as serving reads them: a join of
        every transaction of the key in the look-back made a distinct count quadratic in the
        card's history (bench figures in the README)."""
        body = self._window_scan(group, aggs, reach).replace("\n", "\n    ")
        return (
            f"{name} AS (\n    SELECT b.tx_id, s.*\n    FROM p\n"
            f"    JOIN tx b ON b.tx_time >= p.start_at\n    CROSS JOIN LATERAL ({body}\n    ) s\n)"
        )

    def _sweep_cte(self, index: int, group: Group) -> tuple[str, str]:
        """The sums of known frauds :meth:`swept` takes."""
        mine = {a: n for a, n in group.aggs.items() if self.swept(group, a)}
        return (sweep(f"g{index}s", group, mine), f"g{index}s") if mine else ("", "")


class RedshiftFeatureSql(FeatureSql):
    """Redshift: self-joins on one bounded scan; divisions in float8."""

    extract = "EXTRACT"

    def to_float(self, text: str) -> str:
        return f"CAST({text} AS FLOAT8)"

    def op_mean(self, total: Expr, n: Expr) -> tuple[str, str]:
        return f"({self.f(total)} / NULLIF({self.expr(n)[0]}, 0))", "float"

    def op_std(self, squares: Expr, total: Expr, n: Expr) -> tuple[str, str]:
        s, c = self.f(total), self.expr(n)[0]
        variance = f"({self.f(squares)} - {s} * {s} / NULLIF({c}, 0)) / NULLIF({c} - 1, 0)"
        return f"SQRT(GREATEST(0, {variance}))", "float"

    def op_ratio(self, x: Expr, y: Expr) -> tuple[str, str]:
        return f"({self.f(x)} / NULLIF({self.expr(y)[0]}, 0))", "float"

    def op_zscore(self, x: Expr, mean: Expr, std: Expr) -> tuple[str, str]:
        return f"(({self.f(x)} - {self.f(mean)}) / NULLIF({self.f(std)}, 0))", "float"

    def op_since(self, when: Expr, unit: str) -> tuple[str, str]:
        ts = self.expr(when)[0]
        span = f"EXTRACT(epoch FROM a.tx_time) - EXTRACT(epoch FROM {ts})"
        return f"(({span}){UNITS[unit]})", "asis"

    def serving(self) -> str:
        """Features of a batch; ``scan_from``/``scan_to`` bound the scan of the windows."""
        batch = (
            "WHERE t.tx_id IN (/*tx_ids:list*/%s)\n      AND t.tx_time >= /*first*/%s\n"
            "      AND t.tx_time <= /*last*/%s"
        )
        return f"{self._with(batch)}SELECT a.tx_id,\n{self.select_list()}\nFROM a\n"

    def training(self) -> str:
        """Features and label of every transaction with ``start <= tx_time < end``."""
        batch = "WHERE t.tx_time >= /*start*/%s\n      AND t.tx_time < /*end*/%s"
        return (
            f"{self._with(batch)}SELECT a.tx_id, a.tx_time, a.customer_id, a.card_token,\n"
            f"{self.select_list()}\n     , COALESCE(lb.is_fraud, false) AS is_fraud\nFROM a\n"
            "LEFT JOIN {schema}.labels lb ON lb.tx_id = a.tx_id\nORDER BY a.tx_time, a.tx_id\n"
        )

    def _with(self, batch: str) -> str:
        fields = ", ".join(f"t.{f}" for f in self.plan.fields)
        scan = ", ".join(f"s.{f}" for f in self.plan.scan_fields())
        ctes = [
            f"b AS (\n    SELECT {fields}\n    FROM {{schema}}.transactions t\n    {batch}\n)",
            f"u AS (\n    SELECT {scan}\n    FROM {{schema}}.transactions s\n"
            "    WHERE s.tx_time > /*scan_from*/%s AND s.tx_time <= /*scan_to*/%s\n)",
            *(self._group(i, g) for i, g in enumerate(self.plan.groups)),
        ]
        own = ", ".join(f"b.{f}" for f in self.plan.fields)
        aggs = self.projections(lambda i, _: f"g{i}")
        joins = "".join(
            f"\n    JOIN g{i} ON g{i}.tx_id = b.tx_id" for i in range(len(self.plan.groups))
        )
        ctes.append(f"a AS (\n    SELECT {own}{', ' + aggs if aggs else ''}\n    FROM b{joins}\n)")
        return "WITH " + ",\n".join(ctes) + "\n"

    def _group(self, index: int, group: Group) -> str:
        aggs = ",\n           ".join(
            f"{self._aggregate(agg, conditions(agg, group.reach))} AS {name}"
            for agg, name in group.aggs.items()
        )
        on = AND_ON.join([*key_match(group), *window_bounds(group, group.reach)])
        labels = "\n    LEFT JOIN {schema}.labels l ON l.tx_id = u.tx_id" if group.labelled else ""
        return (
            f"g{index} AS (\n    SELECT b.tx_id,\n           {aggs}\n    FROM b\n    LEFT JOIN u\n"
            f"      ON {on}{labels}\n    GROUP BY b.tx_id\n)"
        )

    @staticmethod
    def _aggregate(agg: Agg, conds: list[str]) -> str:
        """``SUM(CASE WHEN <conds> THEN ... END)``: Redshift has no FILTER clause."""
        when = " AND ".join(conds)
        if agg.function == "count":
            return f"SUM(CASE WHEN {when} THEN 1 ELSE 0 END)" if conds else "COUNT(u.tx_id)"
        column = summed(agg)
        value = f"{column} * {column}" if agg.function == "sumsq" else column
        value = f"CASE WHEN {when} THEN {value} END" if conds else value
        return _RS_AGG[agg.function].format(v=value)


DIALECTS: dict[str, type[FeatureSql]] = {
    "postgres": PostgresFeatureSql,
    "redshift": RedshiftFeatureSql,
}
"""Each dialect's compiler of a plan."""
