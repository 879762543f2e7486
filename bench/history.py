"""Simulated labelled history for the benchmarks: generate, bulk-load, train.

A minimal loader of the benchmark's own (COPY of CSV text into ``transactions`` and ``labels``):
the history is generated in process, so none of a file loader's validation is needed here.
Labels become known 1 to 7 days after the transaction (as the history loader derives them), so
the terminal-risk features see every label their delayed windows may use.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import psycopg

from fraudd.settings import Settings
from fraudd.simulator import generate_history
from fraudd.simulator.timeline import SimulationSpec
from fraudd.warehouse.psycopg_driver import conninfo

CHUNK_ROWS = 200_000
TX_COLUMNS = (
    "tx_id", "tx_time", "customer_id", "terminal_id", "card_token", "last4", "amount",
    "merchant_category", "channel", "currency", "terminal_x", "terminal_y", "source",
)
LABEL_COLUMNS = ("tx_id", "is_fraud", "labelled_at", "fraud_scenario", "source")


@dataclass(frozen=True)
class HistorySpec:
    """A simulated history: who, how long, and from which day."""

    customers: int
    terminals: int
    days: int
    seed: int = 42
    origin: dt.date | None = None

    def start(self) -> dt.date:
        """Day 0. By default the history ends ``days + 90`` days ago, so that live traffic
        continuing it (a simulated day per ~second at high rates) stays in the past."""
        if self.origin is not None:
            return self.origin
        return dt.datetime.now(dt.UTC).date() - dt.timedelta(days=self.days + 90)

    def simulation(self) -> SimulationSpec:
        """The timeline this history is the beginning of (for live traffic continuing it)."""
        return SimulationSpec(self.start(), self.seed, self.customers, self.terminals)

    def end(self) -> dt.datetime:
        """First instant after the history."""
        return self.simulation().day_start(self.days)


@dataclass(frozen=True)
class Loaded:
    """What a load produced and how long it took."""

    transactions: int
    frauds: int
    generate_s: float
    load_s: float


def _text(column: pd.Series) -> list[str]:
    """One column as CSV fields, converted in bulk (``to_csv`` is several times slower)."""
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        naive = column.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
        return list(np.char.add(np.datetime_as_string(naive, unit="us"), "Z").tolist())
    if column.dtype.kind == "f":
        return [f"{x:.6f}" for x in column.to_numpy().tolist()]
    if column.dtype.kind == "b":
        return ["t" if x else "f" for x in column.to_numpy().tolist()]
    return list(column.astype(str).tolist())


def _csv(frame: pd.DataFrame) -> str:
    """CSV text of a frame whose text columns hold no comma, quote or line break."""
    columns = [_text(frame[name]) for name in frame.columns]
    return "\n".join(map(",".join, zip(*columns, strict=True))) + "\n"


def _tx_frame(history: pd.DataFrame) -> pd.DataFrame:
    frame = history[list(TX_COLUMNS[:-1])].copy()
    frame["source"] = "history"
    return frame


def _label_frame(history: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    delay = pd.to_timedelta(rng.uniform(1.0, 7.0, len(history)), unit="D")
    return pd.DataFrame(
        {
            "tx_id": history["tx_id"],
            "is_fraud": history["is_fraud"].astype(bool),
            "labelled_at": history["tx_time"] + delay,
            "fraud_scenario": history["fraud_scenario"],
            "source": "history",
        }
    )


async def load_history(settings: Settings, spec: HistorySpec) -> Loaded:
    """Generate ``spec`` and append it to the settings' schema; ANALYZE afterwards.

    The time indexes are dropped during the COPY and rebuilt after it: one sort per index is
    several times cheaper than a million random B-tree inserts.
    """
    began = time.perf_counter()
    history = generate_history(
        spec.start(), spec.days, spec.customers, spec.terminals, seed=spec.seed
    )
    generated = time.perf_counter()
    schema = settings.warehouse.schema_name
    async with await psycopg.AsyncConnection.connect(
        conninfo(settings.warehouse), autocommit=True
    ) as conn:
        await conn.execute("SET statement_timeout = 0")
        await conn.execute("SET maintenance_work_mem = '512MB'")
        indexes = await secondary_indexes(conn, schema, "transactions")
        for name, _definition in indexes:
            await conn.execute(f"DROP INDEX {schema}.{name}")
        await _copy(conn, f"{schema}.transactions", TX_COLUMNS, _tx_frame(history))
        for _name, definition in indexes:
            await conn.execute(definition)
        await _copy(conn, f"{schema}.labels", LABEL_COLUMNS, _label_frame(history, spec.seed))
        await conn.execute(f"VACUUM (ANALYZE) {schema}.transactions")
        await conn.execute(f"VACUUM (ANALYZE) {schema}.labels")
    return Loaded(
        transactions=len(history),
        frauds=int(history["is_fraud"].sum()),
        generate_s=round(generated - began, 2),
        load_s=round(time.perf_counter() - generated, 2),
    )


async def secondary_indexes(
    conn: psycopg.AsyncConnection[Any], schema: str, table: str
) -> list[tuple[str, str]]:
    cur = await conn.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i "
        "JOIN pg_index x ON x.indexrelid = (quote_ident(i.schemaname) || '.' || "
        "quote_ident(i.indexname))::regclass "
        "WHERE i.schemaname = %s AND i.tablename = %s AND NOT x.indisprimary",
        (schema, table),
    )
    return [(str(r[0]), str(r[1])) for r in await cur.fetchall()]


async def _copy(
    conn: psycopg.AsyncConnection[Any], table: str, columns: tuple[str, ...], frame: pd.DataFrame
) -> None:
    """COPY the frame in chunks; the next chunk is formatted (in a thread) while one is sent."""
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT csv)"
    chunks = [frame.iloc[lo : lo + CHUNK_ROWS] for lo in range(0, len(frame), CHUNK_ROWS)]
    async with conn.cursor() as cur, cur.copy(statement) as copy:
        pending = asyncio.create_task(asyncio.to_thread(_csv, chunks[0])) if chunks else None
        for i in range(len(chunks)):
            assert pending is not None
            text = await pending
            if i + 1 < len(chunks):
                pending = asyncio.create_task(asyncio.to_thread(_csv, chunks[i + 1]))
            await copy.write(text)
