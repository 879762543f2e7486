"""What a feature over the issuer's declared fields costs with each storage: typed columns (what
``fraudd migrate`` adds from the declaration) against one ``jsonb`` column (PostgreSQL's
stand-in for Redshift's ``SUPER``), read through a view that extracts the same fields.

The catalog is the tests' three features over two declared fields
(``tests/feature_catalog/own_fields.py``) — a row expression (``in_set`` on
``merchant_country``), a filter (the card's card-not-present swipes of 24 hours,
``card_present = false``) and a group key (the mean amount at merchants of the same country
over 7 days) — compiled for each dialect. Each dialect's query runs on its layout: PostgreSQL's
(B-tree indexes on the entity keys) and Redshift mode's (no index, a BRIN zone map on
``tx_time``, hash joins), for the serving batch of the newest 500 transactions and the training
rows of the last day. Figures: median execution time of 3 ``EXPLAIN ANALYZE`` runs; both
storages must give the same features.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import time
from typing import Any

import numpy as np
import pandas as pd

from bench.common import Result, Target, isolated
from bench.context import Context
from bench.redshift_features import LAYOUT, ZONE_MAP
from fraudd.feature_catalog import parse_catalog
from fraudd.fields import wire_types
from fraudd.settings import FieldsSettings
from fraudd.simulator.dataset import generate_history
from fraudd.warehouse import compiled_queries, opened_warehouse
from fraudd.warehouse.features import serving_call, training_call
from tests.feature_catalog.own_fields import CATALOG, FIELDS
from tests.model.fixtures import TX_COLUMNS, tx_rows

DAYS, QUICK_DAYS, CUSTOMERS, BATCH, RUNS = 40, 15, 1000, 500, 3
OWN = wire_types(FieldsSettings.model_validate({"declared": FIELDS}).declared)
POSTGRES_INDEXES = (
    "ALTER TABLE {schema}.{table} ADD PRIMARY KEY (tx_id)",
    "CREATE INDEX ON {schema}.{table} (card_token, tx_time)",
    "CREATE INDEX ON {schema}.{table} (customer_id, tx_time)",
    "CREATE INDEX ON {schema}.{table} (terminal_id, tx_time)",
)
JSON_VIEW = """
CREATE VIEW {schema}.transactions AS
SELECT t.*, (t.fields ->> 'merchant_country')::varchar(256) AS merchant_country,
       (t.fields ->> 'card_present')::boolean AS card_present
FROM {schema}.transactions_json t
"""


def _own(frame: pd.DataFrame) -> tuple[list[str], list[bool]]:
    country = np.array(["FR", "DE", "ES", "IT"])[frame["terminal_id"].astype(int) % 4]
    return country.tolist(), (frame["channel"] != "ecom").tolist()


async def _layout(conn: Any, schema: str, dialect: str, storage: str, frame: pd.DataFrame) -> None:
    table = "transactions" if storage == "typed" else "transactions_json"
    for statement in LAYOUT.format(schema=schema).split(";"):
        if statement.strip():
            await conn.execute(statement.replace(".transactions (", f".{table} ("))
    country, present = _own(frame)
    rows = [*tx_rows(frame)]
    if storage == "typed":
        add = "ADD merchant_country varchar(256), ADD card_present boolean"
        await conn.execute(f"ALTER TABLE {schema}.{table} {add}")
        columns: tuple[str, ...] = (*TX_COLUMNS, "merchant_country", "card_present")
        data = [(*r, c, p) for r, c, p in zip(rows, country, present, strict=True)]
    else:
        await conn.execute(f"ALTER TABLE {schema}.{table} ADD fields jsonb")
        columns = (*TX_COLUMNS, "fields")
        data = [
            (*r, json.dumps({"merchant_country": c, "card_present": p}))
            for r, c, p in zip(rows, country, present, strict=True)
        ]
        await conn.execute(JSON_VIEW.format(schema=schema))
    await conn.copy_rows(f"{schema}.{table}", columns, data)
    extra = (
        POSTGRES_INDEXES
        if dialect == "postgres"
        else (ZONE_MAP.replace(".transactions", ".{table}"),)
    )
    for statement in extra:
        await conn.execute(statement.format(schema=schema, table=table))
    await conn.execute(f"ANALYZE {schema}.{table}")
    await conn.execute(f"ANALYZE {schema}.labels")


async def _timed(conn: Any, dialect: str, sql: str, args: list[Any]) -> tuple[float, list[Any]]:
    if dialect == "redshift":
        await conn.execute("SET enable_nestloop = off")  # hash joins, as Redshift runs them
    times = []
    for _ in range(RUNS):
        raw = await conn.fetchval("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, *args)
        times.append(float((json.loads(raw) if isinstance(raw, str) else raw)[0]["Execution Time"]))
    rows = sorted(tuple(r) for r in await conn.fetch(sql, *args))
    await conn.execute("RESET enable_nestloop")
    return round(statistics.median(times), 1), rows


async def measure(ctx: Context, dialect: str, storage: str, frame: pd.DataFrame) -> dict[str, Any]:
    settings = isolated(ctx.stack, shards=1).derive(warehouse={"statement_timeout_s": 600.0})
    schema = settings.warehouse.schema_name
    queries = compiled_queries(parse_catalog(CATALOG, "bench", OWN), dialect, schema)
    batch = frame.tail(BATCH)
    first, last = (t.to_pydatetime() for t in (batch.tx_time.min(), batch.tx_time.max()))
    async with opened_warehouse(settings) as wh, wh.acquire() as conn:
        await conn.execute(f"CREATE SCHEMA {schema}")
        try:
            await _layout(conn, schema, dialect, storage, frame)
            serving_args = serving_call(queries.serving, batch["tx_id"].tolist(), first, last)
            serving_ms, served = await _timed(conn, dialect, *serving_args)
            training_args = training_call(queries.training, last - dt.timedelta(days=1), last)
            training_ms, trained = await _timed(conn, dialect, *training_args)
        finally:
            await conn.execute(f"DROP SCHEMA {schema} CASCADE")
    return {"serving_ms": serving_ms, "training_ms": training_ms, "rows": (served, trained)}


async def run(ctx: Context) -> Result:
    days = QUICK_DAYS if ctx.quick else DAYS
    began = time.perf_counter()
    frame = generate_history(
        dt.date(2018, 1, 1), days, customers=CUSTOMERS, terminals=2 * CUSTOMERS, seed=3
    )
    frame = frame.sort_values("tx_time")
    figures: dict[str, Any] = {"transactions": len(frame)}
    targets = []
    for dialect in ("postgres", "redshift"):
        typed = await measure(ctx, dialect, "typed", frame)
        jsonb = await measure(ctx, dialect, "jsonb", frame)
        assert typed.pop("rows") == jsonb.pop("rows"), f"{dialect}: the storages disagree"
        ratios = {p: round(jsonb[f"{p}_ms"] / typed[f"{p}_ms"], 2) for p in ("serving", "training")}
        figures[dialect] = {"typed": typed, "jsonb": jsonb, "jsonb_over_typed": ratios}
        for path, ratio in ratios.items():
            targets.append(Target(f"{dialect} {path}: jsonb time over typed columns' time",
                                  "report", ratio, None))  # fmt: skip
    figures["seconds"] = round(time.perf_counter() - began, 1)
    return Result(
        scenario="own-fields",
        parameters={
            "history_days": days,
            "customers": CUSTOMERS,
            "batch_rows": BATCH,
            "runs": RUNS,
            "features": 3,
        },
        figures=figures,
        targets=targets,
    )
