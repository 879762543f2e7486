"""PostgreSQL training features of the core 23 (``catalog.toml``), the built-in catalog (with
``record.toml``), the rich one (with ``rich.toml``), and of each feature beyond the core alone
(with its inputs), on a simulated history: what ``fraudd train`` waits for before fitting.

A feature PostgreSQL cannot compute as a window frame used to be a join per transaction: a
distinct count joined every transaction of the card in the look-back, and the merchant
category's delayed fraud rate every fraud of the category (that one alone did not finish in 10
minutes on this history). Training now reads distinct counts through the entity's index, as
serving does, and counts and sums over an entity without an index as running sums
(``fraudd/warehouse/feature_sweep.py``). Figures: seconds of one run of the training query over
the last ``TRAIN_DAYS`` days (its look-back before them in the history).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from bench.common import Result, Target, environment
from bench.context import Context
from bench.history import HistorySpec, load_history
from fraudd.feature_catalog import RICH, Catalog, built_in, checked, core, load_catalog
from fraudd.warehouse import compiled_queries, opened_warehouse
from fraudd.warehouse.features import training_call

HISTORY = HistorySpec(customers=1760, terminals=3520, days=90, origin=dt.date(2018, 4, 1))
QUICK = HistorySpec(customers=880, terminals=1760, days=60, origin=dt.date(2018, 4, 1))
TRAIN_DAYS, QUICK_TRAIN_DAYS = 53, 23
TARGET_RATIO = 3.0
"""The built-in catalog's features may take at most this many times the core 23's."""


def catalogs() -> dict[str, Catalog]:
    """The core 23, the built-in catalog, the rich one (extend), and each feature beyond the
    core with its inputs."""
    rich = load_catalog(RICH, "extend")
    out = {"core": core(), "built_in": built_in(), "rich": rich}
    for d in rich.declarations:
        if d.name not in core().by_name and not d.hidden:
            keep = _closure(d.name, rich)
            out[d.name] = checked(tuple(x for x in rich.declarations if x.name in keep))
    return out


def _closure(name: str, catalog: Catalog) -> set[str]:
    inputs = catalog.by_name[name].inputs()
    return {name}.union(*(_closure(i, catalog) for i in inputs))


async def run(ctx: Context) -> Result:
    spec, days = (QUICK, QUICK_TRAIN_DAYS) if ctx.quick else (HISTORY, TRAIN_DAYS)
    settings = (await environment(ctx.stack, shards=1, stream=False)).settings
    loaded = await load_history(settings, spec)
    end = spec.end()
    start = end - dt.timedelta(days=days)
    seconds: dict[str, Any] = {}
    rows = 0
    batch = settings.derive(warehouse={"statement_timeout_s": 1800.0})
    async with opened_warehouse(batch) as wh, wh.acquire() as conn:
        for name, catalog in catalogs().items():
            sql = compiled_queries(catalog, "postgres", settings.warehouse.schema_name).training
            query, params = training_call(sql, start, end, catalog.lookback)
            began = time.perf_counter()
            rows = len(await conn.fetch(query, *params))
            seconds[name] = round(time.perf_counter() - began, 2)
    ratio = round(seconds["built_in"] / seconds["core"], 2)
    return Result(
        scenario="feature-training",
        parameters={
            "customers": spec.customers,
            "history_days": spec.days,
            "training_days": days,
            "transactions": loaded.transactions,
        },
        figures={
            "training_rows": rows,
            "seconds": seconds,
            "built_in_over_core": ratio,
            "rich_over_core": round(seconds["rich"] / seconds["core"], 2),
        },
        targets=[
            Target(
                f"PostgreSQL training features over {days} days: the built-in catalog over its "
                "core 23",
                f"<= {TARGET_RATIO}",
                ratio,
                ratio <= TARGET_RATIO,
                f"{seconds['built_in']} s against {seconds['core']} s, {rows} rows",
            )
        ],
    )

