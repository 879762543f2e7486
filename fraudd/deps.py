"""Everything a task needs, opened once in an ``AsyncExitStack`` and passed in explicitly."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fraudd import aws
from fraudd.health import Health
from fraudd.metrics import Metrics, create_metrics
from fraudd.retry import RetryPolicy
from fraudd.settings import Role, Settings
from fraudd.stream import Stream
from fraudd.warehouse import Warehouse, opened_warehouse


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Wakeups:
    """Bounded hand-offs between tasks in one process: a poll can start as soon as work exists.

    Each queue holds at most one pending signal; the periodic poll stays as the fallback when
    tasks run in separate processes.
    """

    consumer: asyncio.Queue[None] = field(default_factory=lambda: asyncio.Queue(maxsize=1))
    actions: asyncio.Queue[None] = field(default_factory=lambda: asyncio.Queue(maxsize=1))

    @staticmethod
    def signal(queue: asyncio.Queue[None]) -> None:
        if not queue.full():
            queue.put_nowait(None)

    @staticmethod
    async def wait(queue: asyncio.Queue[None], seconds: float) -> None:
        """Return when signalled or after ``seconds``, whichever comes first."""
        try:
            await asyncio.wait_for(queue.get(), seconds)
        except TimeoutError:
            pass


@dataclass
class Deps:
    settings: Settings
    metrics: Metrics
    health: Health
    warehouse: Warehouse
    stream: Stream | None = None
    sns: Any = None
    sagemaker: Any = None
    clock: Callable[[], datetime] = utc_now
    wakeups: Wakeups = field(default_factory=Wakeups)
    bound_http: tuple[str, int] | None = None


async def open_deps(
    settings: Settings,
    stack: AsyncExitStack,
    roles: tuple[Role, ...],
    metrics: Metrics | None = None,
) -> Deps:
    """Open the clients and the pool the given roles need; all are closed with ``stack``."""
    metrics = metrics or create_metrics()
    health = Health(metrics=metrics, timeout_s=settings.http.heartbeat_timeout_s)
    warehouse = await stack.enter_async_context(opened_warehouse(settings))
    deps = Deps(settings=settings, metrics=metrics, health=health, warehouse=warehouse)
    if {"producer", "ingest"} & set(roles):
        client = await aws.open_client(stack, settings, "kinesis")
        policy = RetryPolicy(settings.kinesis.put_max_attempts, settings.kinesis.put_max_seconds)
        deps.stream = Stream(client, settings.kinesis.stream_name, metrics, policy)
    if "actions" in roles:
        deps.sns = await aws.open_client(stack, settings, "sns")
    if settings.scoring.backend == "sagemaker" and "consumer" in roles:
        deps.sagemaker = await aws.open_client(stack, settings, "sagemaker-runtime")
    return deps
