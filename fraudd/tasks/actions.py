"""Actions: apply card blocks and publish alerts from the transactional outbox.

Blocks never wait for SNS: they are applied in their own short transaction. Alerts are delivered
at least once: rows are claimed with ``FOR UPDATE SKIP LOCKED`` (several workers never publish the
same row at once), published with ``PublishBatch``, and marked published in the same transaction;
a crash after publishing and before the commit publishes them again, with the same stable id
(``alert_id`` = tx id, the FIFO deduplication id).
Redshift has no row locks: there, run one actions instance (see :mod:`actions_redshift`).
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import structlog

from fraudd.aws import error_code, is_transient
from fraudd.crashpoints import crashpoint
from fraudd.deps import Deps
from fraudd.retry import RetriesExhausted
from fraudd.tasks import actions_redshift
from fraudd.tasks.loop import Pass, poll_loop
from fraudd.warehouse import Connection, Row

log = structlog.get_logger(__name__)
SNS_BATCH = 10

PENDING_BLOCKS = """
SELECT alert_id, card_token FROM {schema}.alert_outbox
WHERE decision = 'block' AND block_applied_at IS NULL
ORDER BY created_at LIMIT %s FOR UPDATE SKIP LOCKED
"""
UPSERT_BLOCKS = """
INSERT INTO {schema}.card_blocks (card_token, tx_id, reason, expires_at)
SELECT c, t, 'fraudd decision', clock_timestamp() + %s::interval
FROM unnest(%s::text[], %s::text[]) AS b(c, t)
ON CONFLICT (card_token) DO UPDATE
    SET tx_id = EXCLUDED.tx_id, blocked_at = clock_timestamp(),
        expires_at = GREATEST({schema}.card_blocks.expires_at, EXCLUDED.expires_at)
"""
MARK_BLOCKED = """
UPDATE {schema}.alert_outbox SET block_applied_at = clock_timestamp()
WHERE alert_id = ANY(%s::text[])
"""
PENDING_ALERTS = """
SELECT alert_id, card_token, decision, score, payload FROM {schema}.alert_outbox
WHERE published_at IS NULL ORDER BY created_at LIMIT %s FOR UPDATE SKIP LOCKED
"""
MARK_PUBLISHED = """
UPDATE {schema}.alert_outbox SET published_at = clock_timestamp(), attempts = attempts + 1
WHERE alert_id = ANY(%s::text[])
"""
MARK_FAILED = """
UPDATE {schema}.alert_outbox SET attempts = attempts + 1, last_error = %s
WHERE alert_id = ANY(%s::text[])
"""
COUNT_PENDING = "SELECT count(*) FROM {schema}.alert_outbox WHERE published_at IS NULL"


class PublishFailed(RetriesExhausted):
    """SNS accepted none of a batch; the poll loop backs off and the alerts stay pending."""

    dependency = "sns"


async def run(deps: Deps, stop: asyncio.Event) -> None:
    """Apply blocks and publish alerts until stopped."""
    topic: list[str] = []

    async def one_step() -> Pass:
        if not topic:
            topic.append(await resolve_topic(deps))
        return await step(deps, topic[0])

    await poll_loop(
        "actions", deps, stop, one_step, deps.settings.actions.poll_interval_s, deps.wakeups.actions
    )


async def resolve_topic(deps: Deps) -> str:
    """The topic ARN from settings, or looked up by name (CreateTopic is idempotent)."""
    sns = deps.settings.sns
    if sns.topic_arn:
        return sns.topic_arn
    attrs = {"FifoTopic": "true"} if sns.fifo else {}
    resp = await deps.sns.create_topic(Name=sns.topic_name, Attributes=attrs)
    return str(resp["TopicArn"])


def _sql(deps: Deps, text: str) -> str:
    return text.format(schema=deps.settings.warehouse.schema_name)


async def _fetch(deps: Deps, conn: Connection, name: str, *args: Any) -> list[Row]:
    """Run statement ``name`` of this module in the warehouse's dialect (same arguments)."""
    if deps.settings.warehouse.dialect == "redshift":
        return await actions_redshift.fetch(conn, deps.settings, name, *args)
    return await conn.fetch(_sql(deps, globals()[name]), *args)


async def _execute(deps: Deps, conn: Connection, name: str, *args: Any) -> int:
    """Run statement ``name`` in the warehouse's dialect; the affected row count."""
    if deps.settings.warehouse.dialect == "redshift":
        return await actions_redshift.execute(conn, deps.settings, name, *args)
    return await conn.execute(_sql(deps, globals()[name]), *args)


async def step(deps: Deps, topic_arn: str) -> Pass:
    """Apply pending blocks, then publish one batch of alerts (MORE when a batch was full)."""
    async with deps.warehouse.acquire() as conn:
        blocked = await apply_blocks(deps, conn)
        published = await publish_alerts(deps, conn, topic_arn)
        pending = await conn.fetchval(_sql(deps, COUNT_PENDING))
    deps.metrics.outbox_pending.set(pending or 0)
    deps.health.set_dependency("warehouse", True)
    if blocked or published:
        log.info(
            "actions.batch_done",
            blocks_applied=blocked,
            alerts_published=published,
            outbox_pending=pending,
        )
    if not (blocked or published):
        return Pass.IDLE
    batch = deps.settings.actions.batch_alerts
    return Pass.MORE if max(blocked, published) >= batch else Pass.CAUGHT_UP


async def apply_blocks(deps: Deps, conn: Connection) -> int:
    """Write pending block decisions to ``card_blocks``; return how many were applied."""
    hours = deps.settings.actions.block_hours
    async with conn.transaction():
        rows = await _fetch(deps, conn, "PENDING_BLOCKS", deps.settings.actions.batch_alerts)
        if not rows:
            return 0
        latest = {r.card_token: r.alert_id for r in rows}  # one upsert per card per statement
        await _execute(
            deps, conn, "UPSERT_BLOCKS", timedelta(hours=hours), list(latest), list(latest.values())
        )
        await _execute(deps, conn, "MARK_BLOCKED", [r.alert_id for r in rows])
    deps.metrics.blocks_written.inc(len(rows))
    return len(rows)


async def publish_alerts(deps: Deps, conn: Connection, topic_arn: str) -> int:
    """Publish one batch of unpublished alerts; return how many SNS accepted."""
    async with conn.transaction():
        rows = await _fetch(deps, conn, "PENDING_ALERTS", deps.settings.actions.batch_alerts)
        if not rows:
            return 0
        chunks = [rows[i : i + SNS_BATCH] for i in range(0, len(rows), SNS_BATCH)]
        results = await asyncio.gather(*(_publish(deps, topic_arn, c) for c in chunks))
        crashpoint("actions.after_publish")
        ok = [a for accepted, _ in results for a in accepted]
        failed = [a for _, rejected in results for a in rejected]
        if ok:
            await _execute(deps, conn, "MARK_PUBLISHED", ok)
        if failed:
            await _execute(deps, conn, "MARK_FAILED", "publish failed", failed)
    deps.metrics.alerts_published.inc(len(ok))
    deps.metrics.alert_publish_failures.inc(len(failed))
    if failed and not ok:
        raise PublishFailed(f"SNS accepted none of {len(failed)} alerts")
    deps.health.set_dependency("sns", True)
    return len(ok)


def sns_entry(index: int, row: Row, fifo: bool) -> dict[str, Any]:
    """One PublishBatch entry: the alert JSON plus attributes subscribers can filter on."""
    payload = row.payload if isinstance(row.payload, dict) else json.loads(row.payload)
    entry: dict[str, Any] = {
        "Id": f"m{index}",
        "Message": json.dumps(payload, sort_keys=True),
        "Subject": f"fraudd {row.decision}: card ending {payload.get('card_last4', '????')}",
        "MessageAttributes": {
            "decision": {"DataType": "String", "StringValue": row.decision},
            "score": {"DataType": "Number", "StringValue": f"{row.score:.6f}"},
            "alert_id": {"DataType": "String", "StringValue": row.alert_id},
        },
    }
    if fifo:
        entry["MessageGroupId"] = row.card_token
        entry["MessageDeduplicationId"] = row.alert_id
        entry.pop("Subject")  # FIFO topics reject Subject in PublishBatch on some endpoints
    return entry


async def _publish(deps: Deps, topic_arn: str, rows: list[Row]) -> tuple[list[str], list[str]]:
    fifo = deps.settings.sns.fifo
    entries = [sns_entry(i, r, fifo) for i, r in enumerate(rows)]
    try:
        resp = await deps.sns.publish_batch(TopicArn=topic_arn, PublishBatchRequestEntries=entries)
    except Exception as exc:
        if not is_transient(exc):
            raise
        log.warning("actions.publish_failed", error=error_code(exc), alerts=len(rows))
        return [], [r.alert_id for r in rows]
    by_id = {f"m{i}": r.alert_id for i, r in enumerate(rows)}
    failed = [by_id[f["Id"]] for f in resp.get("Failed", [])]
    ok = [by_id[s["Id"]] for s in resp.get("Successful", [])]
    return ok, failed
