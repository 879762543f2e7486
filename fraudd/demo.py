"""The demo: the whole loop on the local stack for N seconds, then a summary.

It runs producer → Kinesis → ingest → consumer → actions in this process on a prepared stack
(:mod:`fraudd.demo_setup`), stops the producer after ``seconds``, waits until every record that
entered the stream is decided and every alert is published, and reports, with the alerts read
back from the SQS queue subscribed to the topic (read as they arrive, all through the run).
While it runs, ``on_progress`` receives a :class:`LiveFigures` snapshot twice a second; the
figures that come from the warehouse are the seam's run figures
(:mod:`fraudd.warehouse.figures`), read through a session.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections import deque
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

import structlog

from fraudd import aws
from fraudd.alert import Alert, parse
from fraudd.deps import Deps, open_deps
from fraudd.service.daemon import TaskFn, install_signal_handlers, run_tasks
from fraudd.settings import Role, Settings
from fraudd.tasks import producer
from fraudd.warehouse import RunCounts, RunLatency, as_dict

log = structlog.get_logger(__name__)
DRAIN_TIMEOUT_S = 120.0
PROGRESS_EVERY_S = 0.5
LATENCY_EVERY_S = 2.0
LATEST_ALERTS = 6
Phase = Literal["running", "draining", "done"]


@dataclass
class DemoRun:
    seconds: float
    started: datetime
    producer_state: producer.ProducerState | None = None
    summary: dict[str, Any] | None = None
    phase: Phase = "running"


@dataclass(frozen=True)
class LiveFigures:
    """What the live view shows at one moment (counters from the process's own metrics)."""

    phase: Phase
    elapsed_s: float
    seconds: float
    counters: dict[str, int]
    latency: RunLatency | None
    alerts: list[Alert]


COUNTERS = {
    "produced": "fraudd_records_produced_total",
    "decided": "fraudd_records_decided_total",
    "dead_lettered": "fraudd_records_dead_lettered_total",
    "alerts_published": "fraudd_alerts_published_total",
    "cards_blocked": "fraudd_blocks_written_total",
    "declined": "fraudd_swipes_declined_total",
    "cards_reissued": "fraudd_cards_reissued_total",
    "cases_open": "fraudd_cases_open",
}
"""Live counters: name in the view → metric (summed over its labels)."""


def metric(deps: Deps, name: str, **labels: str) -> float:
    return deps.metrics.registry.get_sample_value(name, labels or None) or 0.0


def metric_sum(deps: Deps, name: str) -> float:
    """A metric summed over all its label values."""
    return sum(
        s.value for fam in deps.metrics.registry.collect() for s in fam.samples if s.name == name
    )


async def run_counts(deps: Deps, since: datetime) -> RunCounts:
    async with deps.warehouse.session() as session:
        return await session.run_counts(since)


async def run_caught(deps: Deps, since: datetime) -> dict[str, Any]:
    """What the run caught, by the labels: in all and per fraud scenario, and the cards it
    blocked that had no fraud (the summary's detection and friction figures)."""
    async with deps.warehouse.session() as session:
        caught = await session.run_caught(since)
        by_scenario = await session.run_caught_by_scenario(since)
        without_fraud = await session.run_blocks_without_fraud(since)
    return as_dict(caught) | {
        "fraud_by_scenario": [asdict(s) for s in by_scenario],
        "cards_blocked_without_fraud": without_fraud,
    }


async def run_latency(deps: Deps, since: datetime) -> RunLatency:
    async with deps.warehouse.session() as session:
        return await session.run_latency(since)


async def wait_drained(deps: Deps, run: DemoRun) -> RunCounts:
    """Wait until every record sent is in the view and decided, and every alert published."""
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    while True:
        c = await run_counts(deps, run.started)
        sent = int(metric(deps, "fraudd_records_produced_total"))
        if (
            c.in_stream >= sent
            and c.decided + c.dead_lettered >= c.in_stream
            and c.alerts_published >= c.alerts
            and c.cards_blocked >= min(1, c.blocks_decided)
        ):
            return c
        if time.monotonic() > deadline:
            log.warning("demo.drain_timed_out", **as_dict(c), sent=sent)
            return c
        await asyncio.sleep(0.25)


@dataclass
class AlertReader:
    """Reads the alerts back from the SQS queue subscribed to the topic, and deletes them.

    It runs through the whole demo, not only at the end: moto recounts every stored message of a
    queue on each SNS delivery, so a queue left unread makes publishing slower as it fills
    (measured 4-5 ms per PublishBatch with an empty queue, 1.7 s with 6,000 messages waiting).
    ``latest`` keeps the newest alerts as investigators receive them (the SNS message's JSON).
    """

    client: Any
    url: str
    received: set[str] = field(default_factory=set)
    latest: deque[Alert] = field(default_factory=lambda: deque(maxlen=LATEST_ALERTS))

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
        for m in messages:
            alert_id, alert = _read_envelope(m["Body"])
            self.received.add(alert_id)
            if alert is not None:
                self.latest.appendleft(alert)
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


def _read_envelope(body: str) -> tuple[str, Alert | None]:
    """The alert id and, when the message is a whole alert, the alert itself."""
    envelope = json.loads(body)
    attrs = envelope.get("MessageAttributes", {})
    alert_id = str(attrs.get("alert_id", {}).get("Value") or envelope.get("MessageId"))
    try:
        return alert_id, parse(envelope.get("Message", ""))
    except (TypeError, ValueError, KeyError):  # not an alert of ours: counted, not shown
        return alert_id, None


def summarise(
    deps: Deps,
    counts: RunCounts,
    caught: dict[str, Any],
    latency: RunLatency,
    received: int,
    run: DemoRun,
) -> dict[str, Any]:
    """The demo's JSON summary (its keys are the ``--json`` contract)."""
    declined = {
        f: int(metric(deps, "fraudd_swipes_declined_total", fraud=f))
        for f in ("true", "false", "unknown")
    }
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
        "decided": counts.decided,
        "dead_lettered": counts.dead_lettered,
        "alerts_published": counts.alerts_published,
        "alerts_received": received,
        "cards_blocked": counts.cards_blocked,
        "cards_reissued": int(metric(deps, "fraudd_cards_reissued_total")),
        **caught,
        "latency_ms": as_dict(latency),
    }


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
    run.phase = "draining"
    counts = await wait_drained(deps, run)
    if run.producer_state is not None:  # the chargebacks still in the future, to score the run
        await run.producer_state.labels.flush(deps, dt.datetime.max.replace(tzinfo=dt.UTC))
    caught = await run_caught(deps, run.started)
    received = await reader.drain(counts.alerts_published)
    latency = await run_latency(deps, run.started)
    run.summary = summarise(deps, counts, caught, latency, received, run)
    run.phase = "done"
    stop.set()


ProgressFn = Callable[[LiveFigures], None]


async def run_demo(
    settings: Settings, seconds: float, on_progress: ProgressFn | None = None
) -> dict[str, Any]:
    """Run the demo loop on an already prepared stack; return the summary."""
    stop, producer_stop = asyncio.Event(), asyncio.Event()
    install_signal_handlers(stop)
    roles: tuple[Role, ...] = ("ingest", "consumer", "actions", "console")
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
            extra["progress"] = _progress_task(on_progress, run, reader)
        await run_tasks(deps, stop, roles, extra)
    return run.summary or {}


def _progress_task(on_progress: ProgressFn, run: DemoRun, reader: AlertReader) -> TaskFn:
    """Feed ``on_progress`` a snapshot every half second (latency from the warehouse less often:
    it sorts the run's decisions)."""

    async def progress(deps: Deps, stop: asyncio.Event) -> None:
        began, latency, latency_at = time.monotonic(), None, 0.0
        while not stop.is_set():
            if time.monotonic() - latency_at >= LATENCY_EVERY_S:
                latency, latency_at = await run_latency(deps, run.started), time.monotonic()
            counters = {k: int(metric_sum(deps, m)) for k, m in COUNTERS.items()}
            counters["alerts_received"] = len(reader.received)
            elapsed = time.monotonic() - began
            on_progress(
                LiveFigures(run.phase, elapsed, run.seconds, counters, latency, list(reader.latest))
            )
            try:
                await asyncio.wait_for(stop.wait(), PROGRESS_EVERY_S)
            except TimeoutError:
                pass

    return progress
