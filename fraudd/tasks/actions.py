"""Actions: apply card blocks and publish alerts from the transactional outbox.

Blocks never wait for SNS: they are applied in their own short transaction. Alerts are delivered
at least once: rows are claimed with ``FOR UPDATE SKIP LOCKED`` (several workers never publish the
same row at once), published with ``PublishBatch``, and marked published in the same transaction;
a crash after publishing and before the commit publishes them again, with the same stable id
(``alert_id`` = tx id, the FIFO deduplication id).
Redshift has no row locks: there, run one actions instance (see the Redshift actions statements).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import structlog

from fraudd import alert
from fraudd.aws import error_code, is_transient
from fraudd.crashpoints import crashpoint
from fraudd.deps import Deps
from fraudd.retry import RetriesExhausted
from fraudd.tasks.loop import Pass, poll_loop
from fraudd.warehouse import PendingAlert, Session

log = structlog.get_logger(__name__)
SNS_BATCH = 10


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
    """The topic ARN from settings, or the local stack's topic by name (CreateTopic is idempotent;
    on AWS the start-up check requires the ARN, the role may not create topics)."""
    sns = deps.settings.sns
    if sns.topic_arn:
        return sns.topic_arn
    attrs = {"FifoTopic": "true"} if sns.fifo else {}
    resp = await deps.sns.create_topic(Name=sns.topic_name, Attributes=attrs)
    return str(resp["TopicArn"])


async def step(deps: Deps, topic_arn: str) -> Pass:
    """Apply pending blocks, then publish one batch of alerts (MORE when a batch was full)."""
    async with deps.warehouse.session() as session:
        blocked = await apply_blocks(deps, session)
        published = await publish_alerts(deps, session, topic_arn)
        pending = await session.alerts_pending()
    deps.metrics.outbox_pending.set(pending)
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


async def apply_blocks(deps: Deps, session: Session) -> int:
    """Write pending block decisions to ``card_blocks``; return how many were applied."""
    hours = deps.settings.actions.block_hours
    async with session.transaction():
        blocks = await session.claim_blocks(deps.settings.actions.batch_alerts)
        if not blocks:
            return 0
        await session.apply_blocks(blocks, timedelta(hours=hours))
    deps.metrics.blocks_written.inc(len(blocks))
    return len(blocks)


async def publish_alerts(deps: Deps, session: Session, topic_arn: str) -> int:
    """Publish one batch of unpublished alerts; return how many SNS accepted."""
    async with session.transaction():
        rows = await session.claim_alerts(deps.settings.actions.batch_alerts)
        if not rows:
            return 0
        chunks = [rows[i : i + SNS_BATCH] for i in range(0, len(rows), SNS_BATCH)]
        results = await asyncio.gather(*(_publish(deps, topic_arn, c) for c in chunks))
        crashpoint("actions.after_publish")
        ok = [a for accepted, _ in results for a in accepted]
        failed = [a for _, rejected in results for a in rejected]
        if ok:
            await session.mark_published(ok)
        if failed:
            await session.mark_failed(failed, "publish failed")
    deps.metrics.alerts_published.inc(len(ok))
    deps.metrics.alert_publish_failures.inc(len(failed))
    if failed and not ok:
        raise PublishFailed(f"SNS accepted none of {len(failed)} alerts")
    deps.health.set_dependency("sns", True)
    return len(ok)


async def _publish(
    deps: Deps, topic_arn: str, rows: list[PendingAlert]
) -> tuple[list[str], list[str]]:
    fifo = deps.settings.sns.fifo
    entries = [alert.sns_entry(i, r.payload, r.card_token, fifo) for i, r in enumerate(rows)]
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
