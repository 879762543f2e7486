"""Bulk loading of labelled history: stage everything, check it against the warehouse, insert once.

1. Rows (CSV text of :data:`~fraudd.history.columns.NORMAL_COLUMNS`) go into a temporary staging
   table: ``COPY ... FROM STDIN`` on PostgreSQL, ``COPY ... FROM 's3://...'`` on Redshift
   (:mod:`fraudd.history.s3stage`).
2. In one transaction: rows whose ``tx_id`` is already in ``transactions`` (``already_loaded``)
   or appeared on an earlier line (``duplicate_in_file``) are set aside in a rejects table; the
   rest go into ``transactions`` and ``labels`` with plain ``INSERT ... SELECT``. On PostgreSQL
   both tables are locked against other writers first (readers go on), so no id can arrive
   between the check and the insert: ``ON CONFLICT DO NOTHING`` would cost twice the time
   (a speculative insertion per row).
3. A large load into a table that is small in comparison drops the table's non-unique indexes
   first and rebuilds them at the end, in the same transaction (a failed load leaves them as
   they were). Maintaining three indexes row by row costs several times more than one sort-based
   build each. The rebuild holds a lock on ``transactions``: a running consumer waits for it.

Statements of a bulk load can run for minutes: the connection's statement timeout is lifted for
the load and restored afterwards.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Final, Protocol, TypeVar

import structlog

from fraudd.history.columns import NORMAL_COLUMNS
from fraudd.warehouse import Connection, Dialect, WarehouseError
from fraudd.warehouse.sqlfiles import render, validate_identifier

log = structlog.get_logger(__name__)

T = TypeVar("T")
ProgressFn = Callable[[str, float, float | None], None]
"""``progress(task, completed, total)``: what a command shows while loading."""

STAGING: Final[str] = "fraudd_history_staging"
REJECTS: Final[str] = "fraudd_history_rejects"
BIG_LOAD_ROWS: Final[int] = 200_000
"""Below this many rows, indexes are maintained row by row (a rebuild would not pay)."""
BULK_WORK_MEM = "SET LOCAL maintenance_work_mem = '256MB'"

CREATE_STAGING = """
CREATE TEMP TABLE {staging} (
    line bigint NOT NULL, tx_id text NOT NULL, tx_time timestamptz NOT NULL,
    customer_id text NOT NULL, terminal_id text NOT NULL, card_token text NOT NULL,
    last4 text, amount numeric(14,2) NOT NULL, merchant_category text, channel text,
    currency text, terminal_x double precision, terminal_y double precision,
    is_fraud boolean NOT NULL, labelled_at timestamptz NOT NULL, fraud_scenario smallint
)"""
CREATE_REJECTS = "CREATE TEMP TABLE {rejects} (line bigint NOT NULL, reason text NOT NULL)"
DROP_TEMP = "DROP TABLE IF EXISTS {table}"
FIND_REJECTS = """
INSERT INTO {rejects} (line, reason)
SELECT s.line, CASE WHEN t.tx_id IS NOT NULL THEN 'already_loaded' ELSE 'duplicate_in_file' END
FROM (SELECT line, tx_id, row_number() OVER (PARTITION BY tx_id ORDER BY line) AS rn
      FROM {staging}) s
LEFT JOIN {schema}.transactions t ON t.tx_id = s.tx_id
WHERE t.tx_id IS NOT NULL OR s.rn > 1"""
FIND_LOADED = """
INSERT INTO {rejects} (line, reason)
SELECT s.line, 'already_loaded'
FROM {staging} s JOIN {schema}.transactions t ON t.tx_id = s.tx_id"""
INSERT_TX = """
INSERT INTO {schema}.transactions (tx_id, tx_time, customer_id, terminal_id, card_token, last4,
    amount, merchant_category, channel, currency, terminal_x, terminal_y, source)
SELECT s.tx_id, s.tx_time, s.customer_id, s.terminal_id, s.card_token, s.last4, s.amount,
    s.merchant_category, s.channel, s.currency, s.terminal_x, s.terminal_y, %s
FROM {staging} s
WHERE NOT EXISTS (SELECT 1 FROM {rejects} r WHERE r.line = s.line)"""
INSERT_LABELS = """
INSERT INTO {schema}.labels (tx_id, is_fraud, labelled_at, fraud_scenario, source)
SELECT s.tx_id, s.is_fraud, s.labelled_at, s.fraud_scenario, %s
FROM {staging} s
WHERE NOT EXISTS (SELECT 1 FROM {rejects} r WHERE r.line = s.line)"""
LABEL_NOT_THERE = " AND NOT EXISTS (SELECT 1 FROM {schema}.labels l WHERE l.tx_id = s.tx_id)"
"""A live label can exist without its transaction (a declined swipe): keep that one."""
LOCK_WRITERS = "LOCK TABLE {schema}.transactions, {schema}.labels IN SHARE ROW EXCLUSIVE MODE"
REJECT_COUNTS = "SELECT reason, count(*) AS n FROM {rejects} GROUP BY reason"
REJECT_SAMPLE = "SELECT line, reason FROM {rejects} ORDER BY line LIMIT %s"
SECONDARY_INDEXES = """
SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = %s::regclass AND NOT i.indisunique AND NOT i.indisprimary
ORDER BY c.relname"""
ROW_ESTIMATE = "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass"
COUNT_ROWS = "SELECT count(*) FROM {schema}.transactions"
DROP_INDEX = "DROP INDEX {schema}.{index}"
ANALYZE = "ANALYZE {schema}.{table}"


class Stager(Protocol):
    """Gets CSV text into the staging table; returns the number of rows staged."""

    async def stage(self, conn: Connection, table: str, chunks: AsyncIterable[str]) -> int: ...


class CopyStager:
    """``COPY ... FROM STDIN`` through the connection (PostgreSQL; INSERTs elsewhere)."""

    async def stage(self, conn: Connection, table: str, chunks: AsyncIterable[str]) -> int:
        return await conn.copy_csv(f"pg_temp.{table}", NORMAL_COLUMNS, chunks)


@dataclass
class LoadResult:
    """What one load did; ``rejected`` counts the warehouse-side reasons only."""

    staged: int = 0
    loaded: int = 0
    labels: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    sample: list[tuple[int, str]] = field(default_factory=list)
    """The first rejected lines (line number, reason), in line order."""
    indexes_rebuilt: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


class HistoryLoader:
    """``async with HistoryLoader(conn, ...) as l: await l.stage(chunks); await l.finish()``."""

    def __init__(
        self,
        conn: Connection,
        dialect: Dialect,
        schema: str,
        *,
        source: str = "history",
        check_duplicates: bool = True,
        sample_size: int = 20,
        stager: Stager | None = None,
    ) -> None:
        self.conn, self.dialect, self.schema = conn, dialect, validate_identifier(schema)
        self.source = source
        self.check_duplicates = check_duplicates
        self.sample_size = sample_size
        self.stager = stager or CopyStager()
        self.result = LoadResult()
        self._timeout: str | None = None

    def _sql(self, text: str, **more: str) -> str:
        return render(text, schema=self.schema, staging=STAGING, rejects=REJECTS, **more)

    async def __aenter__(self) -> HistoryLoader:
        self._timeout = str(await self.conn.fetchval("SHOW statement_timeout"))
        await self.conn.fetchval("SELECT set_config('statement_timeout', '0', false)")
        for table in (STAGING, REJECTS):
            await self.conn.execute(self._sql(DROP_TEMP, table=table))
        await self.conn.execute(self._sql(CREATE_STAGING))
        await self.conn.execute(self._sql(CREATE_REJECTS))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            for table in (STAGING, REJECTS):
                await self.conn.execute(self._sql(DROP_TEMP, table=table))
            if self._timeout is not None:
                sql = "SELECT set_config('statement_timeout', %s, false)"
                await self.conn.fetchval(sql, self._timeout)
        except WarehouseError:
            if exc is None:
                raise  # otherwise the original error matters more than the cleanup's

    async def stage(self, chunks: AsyncIterable[str]) -> int:
        """Append CSV chunks to the staging table (may be called more than once)."""
        began = time.perf_counter()
        staged = await self.stager.stage(self.conn, STAGING, chunks)
        self.result.staged += staged
        self._took("stage", began)
        return staged

    async def finish(self, extra: Sequence[tuple[str, Sequence[Any]]] = ()) -> LoadResult:
        """Check, insert and (for big loads) rebuild indexes in one transaction; ANALYZE."""
        async with self.conn.transaction():
            began = time.perf_counter()
            if self.dialect == "postgres":
                await self.conn.execute(self._sql(LOCK_WRITERS))
            await self._find_rejects()
            self._took("check", began)
            indexes = await self._drop_indexes_for_big_load()
            await self._insert()
            await self._rebuild(indexes)
            for sql, args in extra:
                await self.conn.execute(sql, *args)
        began = time.perf_counter()
        for table in ("transactions", "labels"):
            await self.conn.execute(self._sql(ANALYZE, table=table))
        self._took("analyze", began)
        return self.result

    async def _find_rejects(self) -> None:
        await self.conn.execute(self._sql(FIND_REJECTS if self.check_duplicates else FIND_LOADED))
        rows = await self.conn.fetch(self._sql(REJECT_COUNTS))
        self.result.rejected.update({row.reason: int(row.n) for row in rows})
        sample = await self.conn.fetch(self._sql(REJECT_SAMPLE), self.sample_size)
        self.result.sample = [(int(row.line), str(row.reason)) for row in sample]

    async def _insert(self) -> None:
        began = time.perf_counter()
        self.result.loaded = await self.conn.execute(self._sql(INSERT_TX), self.source)
        self._took("insert_transactions", began)
        began = time.perf_counter()
        labels = self._sql(INSERT_LABELS + LABEL_NOT_THERE)
        self.result.labels = await self.conn.execute(labels, self.source)
        self._took("insert_labels", began)

    async def _drop_indexes_for_big_load(self) -> list[tuple[str, str]]:
        """Drop the non-unique indexes of ``transactions`` when rebuilding them will be faster."""
        incoming = self.result.staged - sum(self.result.rejected.values())
        if self.dialect != "postgres" or incoming < BIG_LOAD_ROWS:
            return []
        table = f"{self.schema}.transactions"
        existing = int(await self.conn.fetchval(ROW_ESTIMATE, table))
        if existing < 0:  # never analysed
            existing = int(await self.conn.fetchval(self._sql(COUNT_ROWS)))
        if incoming < existing:
            return []
        await self.conn.execute(BULK_WORK_MEM)
        dropped = []
        for row in await self.conn.fetch(SECONDARY_INDEXES, table):
            try:
                statement = self._sql(DROP_INDEX, index=row.name)
            except ValueError:
                continue  # a name we cannot render safely: keep that index
            await self.conn.execute(statement)
            dropped.append((str(row.name), str(row.definition)))
        return dropped

    async def _rebuild(self, indexes: list[tuple[str, str]]) -> None:
        began = time.perf_counter()
        for _name, definition in indexes:
            await self.conn.execute(definition)  # the server's own text of the dropped index
        self.result.indexes_rebuilt = len(indexes)
        if indexes:
            self._took("rebuild_indexes", began)

    def _took(self, step: str, began: float) -> None:
        self.result.seconds[step] = round(
            self.result.seconds.get(step, 0.0) + time.perf_counter() - began, 3
        )


async def threaded(items: Iterator[T]) -> AsyncIterator[T]:
    """Advance a blocking iterator on a worker thread, one item ahead of the consumer.

    Parsing, validating and formatting the next chunk then overlaps with the server loading
    the current one (two cores: one for Python, one for the database).
    """
    done = object()

    def advance() -> Any:
        return next(items, done)

    pending: asyncio.Future[Any] = asyncio.ensure_future(asyncio.to_thread(advance))
    try:
        while (item := await pending) is not done:
            pending = asyncio.ensure_future(asyncio.to_thread(advance))
            yield item
    finally:
        if not pending.done():  # the consumer stopped early: let the thread finish first
            await asyncio.gather(pending, return_exceptions=True)
