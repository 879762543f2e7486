"""The consumer's statements in Redshift form, with the arguments of :mod:`consumer_sql`'s.

Redshift has no arrays (so no ``unnest`` and no ``= ANY``), does not enforce primary keys, and has
no ``ON CONFLICT`` or ``RETURNING``. So a batch is staged in a session TEMP table with multi-row
INSERTs and moved with ``INSERT ... SELECT ... WHERE NOT EXISTS``; the rows a batch adds are
selected before they are inserted, in the same transaction (Redshift runs every transaction
serializably, so two consumers that ever overlap cannot both succeed: one gets error 1023 and
rolls back). Kinesis sequence numbers (up to 128 digits, beyond NUMERIC's 38) are VARCHAR(128)
and compare as (length, string).

:func:`fetch` and :func:`execute` take a statement name of :mod:`consumer_sql` and exactly the
arguments the PostgreSQL statement is bound with (column lists, integer sequence numbers), so
the consumer's code is the same for both dialects. Everything here also runs on PostgreSQL
(tests do that) apart from ``JSON_PARSE`` and ``GETDATE()``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from fraudd.settings import Settings
from fraudd.warehouse import Connection, Row
from fraudd.warehouse.common import insert_rows
from fraudd.warehouse.sqlfiles import render

SEQ = "VARCHAR(128)"
_NO_WATERMARK = ""  # shorter than any sequence number, so every row is past it

# ---------------------------------------------------------------------------------- reading

SHARDS = "SELECT DISTINCT shard_id FROM {schema}.{view} ORDER BY shard_id"

WATERMARKS = """
SELECT shard_id, sequence_number FROM {schema}.consumer_watermarks WHERE consumer_group = %s
"""

# The rows past each shard's watermark, at most %s per shard, in sequence order. The watermarks
# come in as a UNION ALL of constant rows (one "(shard, after)" pair per shard: see pending_sql).
_PENDING = """
SELECT r.shard_id, r.sequence_number, r.partition_key, r.approximate_arrival_timestamp,
       r.kinesis_data
FROM (
    SELECT v.shard_id, v.sequence_number, v.partition_key, v.approximate_arrival_timestamp,
           v.kinesis_data,
           ROW_NUMBER() OVER (PARTITION BY v.shard_id
                              ORDER BY CHAR_LENGTH(v.sequence_number), v.sequence_number) AS rn
    FROM {schema}.{view} v
    JOIN (/*watermarks*/) w ON v.shard_id = w.shard_id
    WHERE CHAR_LENGTH(v.sequence_number) > CHAR_LENGTH(w.after_seq)
       OR (CHAR_LENGTH(v.sequence_number) = CHAR_LENGTH(w.after_seq)
           AND v.sequence_number > w.after_seq)
) r
WHERE r.rn <= %s
ORDER BY r.shard_id, CHAR_LENGTH(r.sequence_number), r.sequence_number
"""
_WATERMARK_ROW = "SELECT CAST(%s AS VARCHAR(64)) AS shard_id, CAST(%s AS VARCHAR(128)) AS after_seq"


def pending_sql(shards: int) -> str:
    """PENDING for ``shards`` shards (unrendered): parameters are shard, after, ..., limit."""
    if shards < 1:
        raise ValueError("at least one shard")
    return _PENDING.replace("/*watermarks*/", " UNION ALL ".join([_WATERMARK_ROW] * shards))


# Swipes of each transaction's card within the velocity window (itself included). Parameters:
# the window in seconds, then one per tx_id (see velocity_sql).
_VELOCITY = """
SELECT t.tx_id, COUNT(h.tx_id) AS n
FROM {schema}.transactions t
JOIN {schema}.transactions h
  ON h.customer_id = t.customer_id
 AND h.tx_time <= t.tx_time
 AND EXTRACT(epoch FROM t.tx_time) - EXTRACT(epoch FROM h.tx_time) < %s
WHERE t.tx_id IN (/*tx_ids*/)
GROUP BY t.tx_id
"""


def velocity_sql(tx_ids: int) -> str:
    """VELOCITY for ``tx_ids`` transactions (unrendered)."""
    return _VELOCITY.replace("/*tx_ids*/", placeholders(tx_ids))


def placeholders(count: int) -> str:
    """``%s, %s, ...`` for an IN list of ``count`` values (Redshift binds no arrays)."""
    if count < 1:
        raise ValueError("an IN list needs at least one value")
    return ", ".join(["%s"] * count)


# ---------------------------------------------------------------------------------- staging
# Session temp tables, created once per connection and emptied per batch (DELETE, not TRUNCATE:
# TRUNCATE commits the transaction on Redshift). Columns are in the order of the PostgreSQL
# statement's arrays, after an "ord" that keeps the batch order.

STAGE_TRANSACTIONS = """
CREATE TEMP TABLE IF NOT EXISTS fraudd_stage_tx (
    ord INTEGER, tx_id VARCHAR(64), tx_time TIMESTAMPTZ, customer_id VARCHAR(64),
    terminal_id VARCHAR(64), card_token VARCHAR(64), last4 CHAR(4), amount NUMERIC(14,2),
    merchant_category VARCHAR(4), channel VARCHAR(16), currency CHAR(3),
    terminal_x DOUBLE PRECISION, terminal_y DOUBLE PRECISION, produced_at TIMESTAMPTZ
)
"""
STAGE_DECISIONS = """
CREATE TEMP TABLE IF NOT EXISTS fraudd_stage_decisions (
    ord INTEGER, tx_id VARCHAR(64), shard_id VARCHAR(64), sequence_number VARCHAR(128),
    card_token VARCHAR(64), tx_time TIMESTAMPTZ, amount NUMERIC(14,2), score DOUBLE PRECISION,
    decision VARCHAR(8), reasons VARCHAR(65535), model_version VARCHAR(64),
    produced_at TIMESTAMPTZ
)
"""
STAGE_OUTBOX = """
CREATE TEMP TABLE IF NOT EXISTS fraudd_stage_outbox (
    ord INTEGER, alert_id VARCHAR(64), card_token VARCHAR(64), decision VARCHAR(8),
    score DOUBLE PRECISION, payload VARCHAR(65535)
)
"""
STAGE_DEAD_LETTERS = """
CREATE TEMP TABLE IF NOT EXISTS fraudd_stage_dead (
    ord INTEGER, shard_id VARCHAR(64), sequence_number VARCHAR(128),
    partition_key VARCHAR(65535), reason VARCHAR(65535), detail VARCHAR(65535),
    raw VARBYTE(1048576)
)
"""

# ---------------------------------------------------------------------------------- writing

# The batch's first row per tx_id that is not stored yet (the consumer dead-letters the rest).
_FRESH = """
FROM (SELECT s.*, ROW_NUMBER() OVER (PARTITION BY s.tx_id ORDER BY s.ord) AS rn
      FROM fraudd_stage_tx s) f
WHERE f.rn = 1
  AND NOT EXISTS (SELECT 1 FROM {schema}.transactions t WHERE t.tx_id = f.tx_id)
"""
NEW_TRANSACTIONS = "SELECT f.tx_id" + _FRESH + "ORDER BY f.ord"
INSERT_TRANSACTIONS = (
    """
INSERT INTO {schema}.transactions
    (tx_id, tx_time, customer_id, terminal_id, card_token, last4, amount, merchant_category,
     channel, currency, terminal_x, terminal_y, produced_at, source)
SELECT f.tx_id, f.tx_time, f.customer_id, f.terminal_id, f.card_token, f.last4, f.amount,
       f.merchant_category, f.channel, f.currency, f.terminal_x, f.terminal_y, f.produced_at,
       'stream'"""
    + _FRESH
)

INSERT_DECISIONS = """
INSERT INTO {schema}.decisions
    (tx_id, shard_id, sequence_number, card_token, tx_time, amount, score, decision, reasons,
     model_version, produced_at, consumer_group)
SELECT s.tx_id, s.shard_id, s.sequence_number, s.card_token, s.tx_time, s.amount, s.score,
       s.decision, JSON_PARSE(s.reasons), s.model_version, s.produced_at, CAST(%s AS VARCHAR(64))
FROM fraudd_stage_decisions s
"""

INSERT_OUTBOX = """
INSERT INTO {schema}.alert_outbox (alert_id, card_token, decision, score, payload)
SELECT s.alert_id, s.card_token, s.decision, s.score, JSON_PARSE(s.payload)
FROM fraudd_stage_outbox s
"""

# Text is cut to the column sizes here, so an odd record can never fail its batch (invariant 4).
INSERT_DEAD_LETTERS = """
INSERT INTO {schema}.dead_letters
    (shard_id, sequence_number, partition_key, reason, detail, raw, consumer_group)
SELECT s.shard_id, s.sequence_number, LEFT(s.partition_key, 256), LEFT(s.reason, 64),
       LEFT(s.detail, 1024), s.raw, CAST(%s AS VARCHAR(64))
FROM fraudd_stage_dead s
WHERE NOT EXISTS (SELECT 1 FROM {schema}.dead_letters d
                  WHERE d.shard_id = s.shard_id AND d.sequence_number = s.sequence_number)
"""

# Optimistic advance: succeeds only from the watermark the batch was read at (see consumer.py).
ADVANCE_WATERMARK = """
UPDATE {schema}.consumer_watermarks SET sequence_number = %s, updated_at = GETDATE()
WHERE consumer_group = %s AND shard_id = %s AND sequence_number = %s
"""

# The first watermark of a shard: inserted only if no consumer of the group has one yet.
FIRST_WATERMARK = """
INSERT INTO {schema}.consumer_watermarks (sequence_number, consumer_group, shard_id)
SELECT CAST(%s AS VARCHAR(128)), CAST(%s AS VARCHAR(64)), CAST(%s AS VARCHAR(64))
WHERE NOT EXISTS (SELECT 1 FROM {schema}.consumer_watermarks w
                  WHERE w.consumer_group = %s AND w.shard_id = %s)
"""


def _seq(value: int | str) -> str:
    """A sequence number as Redshift stores it (the consumer passes ints, like PostgreSQL's)."""
    return str(int(value))


def _sql(settings: Settings, text: str) -> str:
    wh = settings.warehouse
    return render(text, schema=wh.schema_name, view=wh.streaming_view)


async def stage(
    conn: Connection, ddl: str, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Empty the session's temp table ``table`` (created by ``ddl``) and fill it with ``rows``."""
    await conn.execute(ddl)
    await conn.execute(f"DELETE FROM {table}")  # noqa: S608 - a constant of this module
    return await insert_rows(conn.execute, table, columns, rows)


def _numbered(*columns: Sequence[Any]) -> Iterable[tuple[Any, ...]]:
    return zip(range(len(columns[0])), *columns, strict=True)


# ---------------------------------------------------------------------------------- handlers


async def _shards(conn: Connection, settings: Settings) -> list[Row]:
    return await conn.fetch(_sql(settings, SHARDS))


async def _watermarks(conn: Connection, settings: Settings, group: str) -> list[Row]:
    return await conn.fetch(_sql(settings, WATERMARKS), group)


async def _pending(
    conn: Connection, settings: Settings, shards: list[str], after: list[int], limit: int
) -> list[Row]:
    pairs = [
        value
        for shard, seq in zip(shards, after, strict=True)
        for value in (shard, _NO_WATERMARK if int(seq) < 0 else _seq(seq))
    ]
    return await conn.fetch(_sql(settings, pending_sql(len(shards))), *pairs, limit)


async def _velocity(
    conn: Connection, settings: Settings, window_s: float, tx_ids: list[str]
) -> list[Row]:
    if not tx_ids:
        return []
    return await conn.fetch(_sql(settings, velocity_sql(len(tx_ids))), window_s, *tx_ids)


async def _insert_transactions(
    conn: Connection, settings: Settings, *columns: list[Any]
) -> list[Row]:
    names = ("ord", "tx_id", "tx_time", "customer_id", "terminal_id", "card_token", "last4",
             "amount", "merchant_category", "channel", "currency", "terminal_x", "terminal_y",
             "produced_at")
    await stage(conn, STAGE_TRANSACTIONS, "fraudd_stage_tx", names, _numbered(*columns))
    fresh = await conn.fetch(_sql(settings, NEW_TRANSACTIONS))
    await conn.execute(_sql(settings, INSERT_TRANSACTIONS))
    return fresh


async def _insert_decisions(
    conn: Connection, settings: Settings, group: str, *columns: list[Any]
) -> int:
    names = ("ord", "tx_id", "shard_id", "sequence_number", "card_token", "tx_time", "amount",
             "score", "decision", "reasons", "model_version", "produced_at")
    tx_ids, shards, seqs, *rest = columns
    seqs = [_seq(s) for s in seqs]
    await stage(conn, STAGE_DECISIONS, "fraudd_stage_decisions", names,
                _numbered(tx_ids, shards, seqs, *rest))
    return await conn.execute(_sql(settings, INSERT_DECISIONS), group)


async def _insert_outbox(conn: Connection, settings: Settings, *columns: list[Any]) -> int:
    names = ("ord", "alert_id", "card_token", "decision", "score", "payload")
    await stage(conn, STAGE_OUTBOX, "fraudd_stage_outbox", names, _numbered(*columns))
    return await conn.execute(_sql(settings, INSERT_OUTBOX))


async def _insert_dead_letters(
    conn: Connection, settings: Settings, group: str, *columns: list[Any]
) -> int:
    names = ("ord", "shard_id", "sequence_number", "partition_key", "reason", "detail", "raw")
    shards, seqs, *rest = columns
    seqs = [_seq(s) for s in seqs]
    await stage(conn, STAGE_DEAD_LETTERS, "fraudd_stage_dead", names,
                _numbered(shards, seqs, *rest))
    return await conn.execute(_sql(settings, INSERT_DEAD_LETTERS), group)


async def _advance_watermarks(
    conn: Connection,
    settings: Settings,
    shard_ids: list[str],
    heads: list[int],
    olds: list[int],
    group: str,
) -> int:
    """One UPDATE per shard (no arrays on Redshift); the rows moved in total."""
    moved = 0
    for shard_id, head, old in zip(shard_ids, heads, olds, strict=True):
        moved += await conn.execute(
            _sql(settings, ADVANCE_WATERMARK), _seq(head), group, shard_id, _seq(old)
        )
    return moved


async def _first_watermark(
    conn: Connection, settings: Settings, head: int, group: str, shard_id: str
) -> int:
    return await conn.execute(
        _sql(settings, FIRST_WATERMARK), _seq(head), group, shard_id, group, shard_id
    )


_FETCH: dict[str, Callable[..., Awaitable[list[Row]]]] = {
    "SHARDS": _shards,
    "WATERMARKS": _watermarks,
    "PENDING": _pending,
    "VELOCITY": _velocity,
    "INSERT_TRANSACTIONS": _insert_transactions,
}
_EXECUTE: dict[str, Callable[..., Awaitable[int]]] = {
    "INSERT_DECISIONS": _insert_decisions,
    "INSERT_OUTBOX": _insert_outbox,
    "INSERT_DEAD_LETTERS": _insert_dead_letters,
    "ADVANCE_WATERMARKS": _advance_watermarks,
    "FIRST_WATERMARK": _first_watermark,
}
STATEMENTS = frozenset(_FETCH) | frozenset(_EXECUTE)
"""Every consumer_sql statement name this module runs."""


async def fetch(conn: Connection, settings: Settings, name: str, *args: Any) -> list[Row]:
    """Run consumer_sql statement ``name`` (a query) in Redshift form; its rows."""
    return await _FETCH[name](conn, settings, *args)


async def execute(conn: Connection, settings: Settings, name: str, *args: Any) -> int:
    """Run consumer_sql statement ``name`` (a write) in Redshift form; the affected row count."""
    return await _EXECUTE[name](conn, settings, *args)
