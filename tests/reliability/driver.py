"""Driving a run: the producer (in this process, never killed: it is the ground truth of what was
written), waiting until everything written is settled, and progress probes for recovery times."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fraudd.deps import Deps, open_deps
from fraudd.metrics import create_metrics
from fraudd.sources.simple import SimpleSource
from fraudd.tasks import producer
from fraudd.warehouse import WarehouseError
from tests.e2e.harness import Env, recording_producer, scalar

CUSTOMERS, TERMINALS = 2000, 5000


@dataclass
class Production:
    """A producer run: ``sent`` lists every tx_id Kinesis accepted, in order."""

    state: producer.ProducerState
    sent: list[str] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    target: int | None = None

    @property
    def done(self) -> bool:
        """Every swipe up to the final target was taken and sent (``state.limit`` may be lowered
        for a while to release records in slices; the target is the run's total)."""
        target = self.target if self.target is not None else self.state.limit
        return self.state.taken >= (target or 0) and not self.state.pending

    def release(self, count: int) -> None:
        """Let the producer take up to ``count`` swipes in total (never beyond the target)."""
        self.state.limit = min(count, self.target or count)


def production(env: Env, limit: int, rate: float, fraud_share: float) -> Production:
    """A count-limited producer over :class:`SimpleSource` (big-amount fraud → block alerts)
    whose accepted records are recorded in ``sent``."""
    source = SimpleSource(CUSTOMERS, TERMINALS, 7, datetime.now(UTC), fraud_share=fraud_share)
    sent: list[str] = []
    state = recording_producer(env, source, rate, limit, sent, block_ttl_s=0.5)
    return Production(state, sent, target=limit)


async def start_producer(
    env: Env, stack: AsyncExitStack, limit: int, rate: float, fraud_share: float
) -> tuple[Production, Deps]:
    """Run a producer in this process (its own clients) until it has sent ``limit`` swipes."""
    deps = await open_deps(env.settings, stack, ("producer",), create_metrics())
    prod = production(env, limit, rate, fraud_share)

    async def run() -> None:
        runner = asyncio.create_task(producer.run(deps, prod.stop, prod.state))
        await until(lambda: _true(prod.done), timeout_s=3600, every_s=0.1)
        prod.stop.set()
        await runner

    prod.task = asyncio.create_task(run(), name="test-producer")
    stack.push_async_callback(_stop_producer, prod)
    return prod, deps


async def _true(value: bool) -> bool:
    return value


async def _stop_producer(prod: Production) -> None:
    prod.stop.set()
    if prod.task is not None:
        prod.task.cancel()
        await asyncio.gather(prod.task, return_exceptions=True)


async def until(
    condition: Callable[[], Awaitable[bool]], timeout_s: float, every_s: float = 0.25
) -> bool:
    """Poll ``condition()`` until true (True) or timeout (False).

    Warehouse errors mean "not yet" (the warehouse may be the fault under test)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if await condition():
                return True
        except WarehouseError:
            pass
        await asyncio.sleep(every_s)
    return False


async def counts(env: Env) -> dict[str, int]:
    """Rows in the view, decisions, dead letters and unpublished alerts, in one round trip."""
    row = await scalar(
        env,
        "SELECT json_build_object("
        "'stream', (SELECT count(*) FROM {schema}.tx_stream),"
        "'decided', (SELECT count(*) FROM {schema}.decisions),"
        "'dead', (SELECT count(*) FROM {schema}.dead_letters),"
        "'unpublished', (SELECT count(*) FROM {schema}.alert_outbox WHERE published_at IS NULL))",
    )
    return {k: int(v) for k, v in row.items()}


async def settled(env: Env, prod: Production, extra: int = 0) -> bool:
    """Producer done, everything it (and the test: ``extra``) wrote is in the view and has an
    outcome, and every alert is published."""
    if not prod.done:
        return False
    c = await counts(env)
    return (
        c["stream"] >= len(prod.sent) + extra
        and c["decided"] + c["dead"] == c["stream"]
        and c["unpublished"] == 0
    )


PROGRESS = {"decided": ("decided_at", "decisions"), "published": ("published_at", "alert_outbox")}


async def first_progress_after(env: Env, at: float, what: str = "decided") -> float | None:
    """Seconds from ``at`` (epoch) to the first decision (or published alert) after it."""
    column, table = PROGRESS[what]
    sql = (
        f"SELECT extract(epoch FROM min({column}) - to_timestamp(%s))::float8 "
        f"FROM {{schema}}.{table} WHERE {column} > to_timestamp(%s)"
    )
    value = await scalar(env, sql, at, at)
    return None if value is None else round(float(value), 3)
