"""The demo: the whole loop on the local stack for N seconds, then a summary.

It brings the stack up if needed, migrates, runs producer → Kinesis → ingest → consumer →
actions in this process, stops the producer after ``seconds``, waits until every record that
entered the stream is decided and every alert is published, and reports, with the alerts read
back from the SQS queue subscribed to the topic (read as they arrive, all through the run).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog

from fraudd import aws
from fraudd.daemon import TaskFn, install_signal_handlers, run_tasks
from fraudd.deps import Deps, open_deps
from fraudd.settings import Role, Settings
from fraudd.tasks import producer

log = structlog.get_logger(__name__)
DRAIN_TIMEOUT_S = 120.0

COUNTS_SQL = """
SELECT
  (SELECT count(*) FROM {schema}.{view} WHERE approximate_arrival_timestamp >= %s) AS in_stream,
  (SELECT count(*) FROM {schema}.decisions WHERE produced_at >= %s) AS decided,
  (SELECT count(*) FROM {schema}.dead_letters WHERE received_at >= %s) AS dead_lettered,
  (SELECT count(*) FROM {schema}.alert_outbox WHERE created_at >= %s) AS alerts,
  (SELECT count(*) FROM {schema}.alert_outbox WHERE created_at >= %s
      AND published_at IS NOT NULL) AS alerts_published,
  (SELECT count(*) FROM {schema}.card_blocks WHERE blocked_at >= %s) AS cards_blocked,
  (SELECT count(*) FROM {schema}.decisions WHERE produced_at >= %s
      AND decision = 'block') AS blocks_decided
"""
CAUGHT_SQL = """
SELECT count(*) FILTER (WHERE l.is_fraud) AS fraud_decided,
       count(*) FILTER (WHERE l.is_fraud AND d.decision <> 'approve') AS fraud_caught,
       count(*) FILTER (WHERE l.is_fraud AND d.decision = 'block') AS fraud_blocked,
       count(*) FILTER (WHERE NOT l.is_fraud AND d.decision <> 'approve') AS legit_alerted
FROM {schema}.decisions d JOIN {schema}.labels l ON l.tx_id = d.tx_id
WHERE d.produced_at >= %s
"""
CAUGHT_NAMES = ("fraud_decided", "fraud_caught", "fraud_blocked", "legit_alerted")
COUNT_NAMES = (
    "in_stream",
    "decided",
    "dead_lettered",
    "alerts",
    "alerts_published",
    "cards_blocked",
    "blocks_decided",
)
LATENCY_SQL = """
SELECT percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (
           ORDER BY extract(epoch FROM decided_at - produced_at) * 1000),
       max(extract(epoch FROM decided_at - produced_at) * 1000)
FROM {schema}.decisions WHERE produced_at >= %s
"""


@dataclass
class DemoRun:
    seconds: float
    started: datetime
    producer_state: producer.ProducerState | None = None
    summary: dict[str, Any] | None = None


async def counts(deps: Deps, since: datetime) -> dict[str, int]:
    """Row counts of this run, straight from the warehouse."""
    wh = deps.settings.warehouse
    sql = COUNTS_SQL.format(schema=wh.schema_name, view=wh.streaming_view)
    async with deps.warehouse.acquire() as conn:
        row = await conn.fetchrow(sql, *([since] * sql.count("%s")))
    assert row is not None
    return {k: int(v) for k, v in zip(COUNT_NAMES, row, strict=True)}


def metric(deps: Deps, name: str, **labels: str) -> float:
    return deps.metrics.registry.get_sample_value(name, labels or None) or 0.0


async def wait_drained(deps: Deps, run: DemoRun) -> dict[str, int]:
    """Wait until every record sent is in the view and decided, and every alert published."""
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    while True:
        c = await counts(deps, run.started)
        sent = int(metric(deps, "fraudd_records_produced_total"))
        settled = c["decided"] + c["dead_lettered"]
        if (
            c["in_stream"] >= sent
            and settled >= c["in_stream"]
            and c["alerts_published"] >= c["alerts"]
            and c["cards_blocked"] >= min(1, c["blocks_decided"])
        ):
            return c
        if time.monotonic() > deadline:
            log.warning("demo.drain_timed_out", **c, sent=sent)
            return c
        await asyncio.sleep(0.25)


@dataclass
class AlertReader:
    """Reads the alerts back from the SQS queue subscribed to the topic, and deletes them.

    It runs through the whole demo, not only at the end: moto recounts every stored message of a
    queue on each SNS delivery, so a queue left unread makes publishing slower as it fills
    (measured 4-5 ms per PublishBatch with an empty queue, 1.7 s with 6,000 messages waiting).
    """

    client: Any
    url: str
    received: set[str] = field(default_factory=set)

    @classmethod
    async def open(cls, settings: Settings, stack: AsyncExitStack) -> AlertReader:
        sqs = await aws.open_client(stack, settings, "sqs")
        url = (await sqs.get_queue_url(QueueName=settings.sqs.queue_name))["QueueUrl"]
        return cls(sqs, url)

    async def poll(self, wait_s: int = 1) -> int:
        """Receive (long poll up to ``wait_s``) and delete one batch; how many arrived."""
        resp = await self.client.receive_message(
            QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_s
        )
        messages = resp.get("Messages", [])
        self.received.update(_alert_id(m["Body"]) for m in messages)
        if messages:
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
            ]
            await self.client.delete_message_batch(QueueUrl=self.url, Entries=entries)
        return len(messages)

    async def run(self, _deps: Deps, stop: asyncio.Event) -> None:
        """Keep the queue short until the demo stops."""
        while not stop.is_set():
            await self.poll()

    async def drain(self, expected: int) -> int:
        """Read what is left (until three empty polls); the distinct alerts received in all."""
        empty_polls = 0
        while empty_polls < 3 and len(self.received) < expected + 1000:
            empty_polls = 0 if await self.poll() else empty_polls + 1
        return len(self.received)


def _alert_id(body: str) -> str:
    import json

    envelope = json.loads(body)
    attrs = envelope.get("MessageAttributes", {})
    return str(attrs.get("alert_id", {}).get("Value") or envelope.get("MessageId"))


def summarise(
    deps: Deps, c: dict[str, int], latency: tuple[Any, Any], received: int, run: DemoRun
) -> dict[str, Any]:
    """The demo's JSON summary."""
    declined = {
        f: int(metric(deps, "fraudd_swipes_declined_total", fraud=f))
        for f in ("true", "false", "unknown")
    }
    pcts, worst = latency
    state = run.producer_state
    return {
        "seconds": run.seconds,
        "produced": state.taken if state else 0,
        "sent_to_stream": int(metric(deps, "fraudd_records_produced_total")),
        "declined": sum(declined.values()),
        "fraud_declined": declined["true"],
        "fraud_declined_amount": round(
            metric(deps, "fraudd_swipes_declined_amount_total", fraud="true"), 2
        ),
        "legit_declined": declined["false"],
        "decided": c["decided"],
        "dead_lettered": c["dead_lettered"],
        "alerts_published": c["alerts_published"],
        "alerts_received": received,
        "cards_blocked": c["cards_blocked"],
        **{k: c.get(k, 0) for k in CAUGHT_NAMES},
        "latency_ms": {
            "p50": _ms(pcts, 0),
            "p95": _ms(pcts, 1),
            "p99": _ms(pcts, 2),
            "max": round(float(worst), 1) if worst is not None else None,
        },
    }


def _ms(pcts: Any, i: int) -> float | None:
    return round(float(pcts[i]), 1) if pcts else None


async def caught(deps: Deps, since: datetime) -> dict[str, int]:
    """Frauds among this run's decisions (ground truth: the simulator's labels) and how many the
    model and rules flagged (review or block)."""
    sql = CAUGHT_SQL.format(schema=deps.settings.warehouse.schema_name)
    async with deps.warehouse.acquire() as conn:
        row = await conn.fetchrow(sql, since)
    assert row is not None
    return {k: int(v or 0) for k, v in zip(CAUGHT_NAMES, row, strict=True)}


async def latency(deps: Deps, since: datetime) -> tuple[Any, Any]:
    sql = LATENCY_SQL.format(schema=deps.settings.warehouse.schema_name)
    async with deps.warehouse.acquire() as conn:
        row = await conn.fetchrow(sql, since)
    return (row[0], row[1]) if row else (None, None)


async def orchestrate(
    deps: Deps,
    stop: asyncio.Event,
    run: DemoRun,
    reader: AlertReader,
    producer_stop: asyncio.Event,
) -> None:
    """Let the producer run for ``run.seconds``, drain, read back, summarise, stop."""
    try:
        await asyncio.wait_for(stop.wait(), run.seconds)
    except TimeoutError:
        pass
    producer_stop.set()
    c = await wait_drained(deps, run)
    if run.producer_state is not None:  # the chargebacks still in the future, to score the run
        await run.producer_state.labels.flush(deps, dt.datetime.max.replace(tzinfo=dt.UTC))
    c |= await caught(deps, run.started)
    received = await reader.drain(c["alerts_published"])
    run.summary = summarise(deps, c, await latency(deps, run.started), received, run)
    stop.set()


async def run_demo(
    settings: Settings, seconds: float, on_progress: Callable[[Deps], None] | None = None
) -> dict[str, Any]:
    """Run the demo loop on an already prepared stack; return the summary."""
    stop, producer_stop = asyncio.Event(), asyncio.Event()
    install_signal_handlers(stop)
    roles: tuple[Role, ...] = ("ingest", "consumer", "actions")
    async with AsyncExitStack() as stack:
        deps = await open_deps(settings, stack, ("producer", *roles))
        run = DemoRun(seconds, deps.clock())
        run.producer_state = await producer.default_state(deps)
        reader = await AlertReader.open(settings, stack)

        async def produce(d: Deps, _stop: asyncio.Event) -> None:
            assert run.producer_state is not None
            await producer.run(d, producer_stop, run.producer_state)

        async def steer(d: Deps, s: asyncio.Event) -> None:
            await orchestrate(d, s, run, reader, producer_stop)

        extra: dict[str, TaskFn] = {"producer": produce, "demo": steer, "alerts": reader.run}
        if on_progress is not None:
            extra["progress"] = _progress_task(on_progress)
        await run_tasks(deps, stop, roles, extra)
    return run.summary or {}


def _progress_task(on_progress: Callable[[Deps], None]) -> Any:
    async def progress(deps: Deps, stop: asyncio.Event) -> None:
        while not stop.is_set():
            on_progress(deps)
            try:
                await asyncio.wait_for(stop.wait(), 0.5)
            except TimeoutError:
                pass

    return progress
