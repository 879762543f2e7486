"""The actions task's statements in Redshift form, with the arguments of :mod:`actions`' own.

Redshift has no row locks (``FOR UPDATE SKIP LOCKED``), no arrays and no ``ON CONFLICT``:

* Claims are plain reads. Run ONE actions instance per warehouse on Redshift (``roles`` without
  ``"actions"`` everywhere else): a second one would not corrupt anything — Redshift runs
  transactions serializably, so of two instances marking the same alerts one fails (error 1023,
  retried) — but both may publish the same alerts, which subscribers then see twice (delivery is
  at least once anyway, with the stable ``alert_id``).
* Blocks are staged in a session temp table and merged into ``card_blocks`` with ``MERGE``.
* ``= ANY(array)`` becomes an ``IN`` list of placeholders.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fraudd.settings import Settings
from fraudd.tasks.consumer_redshift import placeholders, stage
from fraudd.warehouse import Connection, Row
from fraudd.warehouse.sqlfiles import render

PENDING_BLOCKS = """
SELECT alert_id, card_token FROM {schema}.alert_outbox
WHERE decision = 'block' AND block_applied_at IS NULL
ORDER BY created_at LIMIT %s
"""
PENDING_ALERTS = """
SELECT alert_id, card_token, decision, score, payload FROM {schema}.alert_outbox
WHERE published_at IS NULL ORDER BY created_at LIMIT %s
"""
STAGE_BLOCKS = """
CREATE TEMP TABLE IF NOT EXISTS fraudd_stage_blocks (
    card_token VARCHAR(64), tx_id VARCHAR(64), expires_at TIMESTAMPTZ
)
"""
# A card blocked again keeps the later expiry. The source has one row per card (actions.py
# keeps the latest alert per card), as MERGE requires.
UPSERT_BLOCKS = """
MERGE INTO {schema}.card_blocks USING fraudd_stage_blocks s
ON {schema}.card_blocks.card_token = s.card_token
WHEN MATCHED THEN UPDATE SET
    tx_id = s.tx_id,
    blocked_at = GETDATE(),
    expires_at = GREATEST({schema}.card_blocks.expires_at, s.expires_at)
WHEN NOT MATCHED THEN INSERT (card_token, tx_id, reason, blocked_at, expires_at)
    VALUES (s.card_token, s.tx_id, 'fraudd decision', GETDATE(), s.expires_at)
"""
_MARK_BLOCKED = """
UPDATE {schema}.alert_outbox SET block_applied_at = GETDATE()
WHERE alert_id IN (/*ids*/)
"""
_MARK_PUBLISHED = """
UPDATE {schema}.alert_outbox SET published_at = GETDATE(), attempts = attempts + 1
WHERE alert_id IN (/*ids*/)
"""
_MARK_FAILED = """
UPDATE {schema}.alert_outbox SET attempts = attempts + 1,
    last_error = LEFT(CAST(%s AS VARCHAR(65535)), 1024)
WHERE alert_id IN (/*ids*/)
"""


def with_ids(text: str, count: int) -> str:
    """``text`` with its ``IN (/*ids*/)`` list made of ``count`` placeholders (unrendered)."""
    return text.replace("/*ids*/", placeholders(count))


def _sql(settings: Settings, text: str) -> str:
    return render(text, schema=settings.warehouse.schema_name)


async def _pending(conn: Connection, settings: Settings, text: str, limit: int) -> list[Row]:
    return await conn.fetch(_sql(settings, text), limit)


async def _upsert_blocks(
    conn: Connection, settings: Settings, duration: timedelta, cards: list[str], tx_ids: list[str]
) -> int:
    # Computed here rather than on the server: Redshift cannot bind an interval parameter.
    expires = datetime.now(UTC) + duration
    rows = [(card, tx_id, expires) for card, tx_id in zip(cards, tx_ids, strict=True)]
    columns = ("card_token", "tx_id", "expires_at")
    await stage(conn, STAGE_BLOCKS, "fraudd_stage_blocks", columns, rows)
    return await conn.execute(_sql(settings, UPSERT_BLOCKS))


async def _mark(
    conn: Connection, settings: Settings, text: str, ids: list[str], *first: Any
) -> int:
    if not ids:
        return 0
    return await conn.execute(_sql(settings, with_ids(text, len(ids))), *first, *ids)


_FETCH: dict[str, Callable[..., Awaitable[list[Row]]]] = {
    "PENDING_BLOCKS": lambda c, s, limit: _pending(c, s, PENDING_BLOCKS, limit),
    "PENDING_ALERTS": lambda c, s, limit: _pending(c, s, PENDING_ALERTS, limit),
}
_EXECUTE: dict[str, Callable[..., Awaitable[int]]] = {
    "UPSERT_BLOCKS": _upsert_blocks,
    "MARK_BLOCKED": lambda c, s, ids: _mark(c, s, _MARK_BLOCKED, ids),
    "MARK_PUBLISHED": lambda c, s, ids: _mark(c, s, _MARK_PUBLISHED, ids),
    "MARK_FAILED": lambda c, s, error, ids: _mark(c, s, _MARK_FAILED, ids, error),
}
STATEMENTS = frozenset(_FETCH) | frozenset(_EXECUTE)
"""Every actions statement name this module runs."""


async def fetch(conn: Connection, settings: Settings, name: str, *args: Any) -> list[Row]:
    """Run actions statement ``name`` (a query) in Redshift form; its rows."""
    return await _FETCH[name](conn, settings, *args)


async def execute(conn: Connection, settings: Settings, name: str, *args: Any) -> int:
    """Run actions statement ``name`` (a write) in Redshift form; the affected row count."""
    return await _EXECUTE[name](conn, settings, *args)
