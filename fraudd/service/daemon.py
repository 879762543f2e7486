"""The daemon's lifecycle, after uvicorn's: signals only set a stop event; every task runs in one
``asyncio.TaskGroup``; after the grace period a deadline cancels whatever is left.

SIGTERM/SIGINT: stop taking new work, let each task finish or hand back its batch (uncommitted
work is simply re-read after a restart), close clients, exit 0. A second signal exits at once.
How the process then ends, promptly and within the shutdown deadline, is :mod:`.exit`'s.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable, Coroutine, Mapping
from contextlib import AsyncExitStack
from typing import Any

import structlog

from fraudd import __version__, console, crashpoints
from fraudd.deps import Deps, open_deps
from fraudd.metrics import Metrics
from fraudd.service import startup
from fraudd.service.exit import own_default_executor, release_executor
from fraudd.service.readiness import run as run_readiness
from fraudd.service.systemd import Notifier, run_watchdog, watchdog_interval
from fraudd.settings import Role, Settings
from fraudd.tasks import actions, consumer, ingest, producer

log = structlog.get_logger(__name__)

TaskFn = Callable[[Deps, asyncio.Event], Coroutine[Any, Any, None]]
TASKS: dict[Role, TaskFn] = {
    "producer": producer.run,
    "ingest": ingest.run,
    "consumer": consumer.run,
    "actions": actions.run,
    "console": console.run,
}
EXIT_NOW = 130


def install_signal_handlers(
    stop: asyncio.Event, on_first: Callable[[], None] | None = None
) -> None:
    """First SIGTERM/SIGINT sets ``stop`` (and calls ``on_first``); a second one exits at once."""
    loop = asyncio.get_running_loop()

    def on_signal(signum: int) -> None:
        if stop.is_set():
            log.warning("daemon.killed", signal=signal.Signals(signum).name)
            os._exit(EXIT_NOW)
        log.info("daemon.stopping", signal=signal.Signals(signum).name)
        if on_first is not None:
            on_first()
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal, sig)


async def _deadline(stop: asyncio.Event, grace_s: float, tasks: list[asyncio.Task[None]]) -> None:
    """After ``stop`` plus the grace period, cancel the tasks that have not finished."""
    await stop.wait()
    if not tasks:  # no role to drain (asyncio.wait refuses an empty set)
        return
    _done, pending = await asyncio.wait(tasks, timeout=grace_s)
    for task in pending:
        log.warning("daemon.deadline_cancelled", task=task.get_name())
        task.cancel()


async def run_tasks(
    deps: Deps,
    stop: asyncio.Event,
    roles: tuple[Role, ...],
    extra: Mapping[str, TaskFn] | None = None,
) -> None:
    """Run the roles' tasks (and the HTTP endpoint, readiness, watchdog) until they all end."""
    from fraudd.service import http

    notifier = Notifier.from_environ()
    fns: dict[str, TaskFn] = {role: TASKS[role] for role in roles} | dict(extra or {})
    async with asyncio.TaskGroup() as tg:
        work = [tg.create_task(fn(deps, stop), name=name) for name, fn in fns.items()]
        tg.create_task(http.run(deps, stop), name="http")
        tg.create_task(run_readiness(deps, stop), name="readiness")
        interval = watchdog_interval()
        if interval:
            tg.create_task(run_watchdog(notifier, deps.health, stop, interval), name="watchdog")
        tg.create_task(_deadline(stop, deps.settings.grace_period_s, work), name="deadline")
        notifier.ready(f"running {','.join(roles)}")
        await stop.wait()
        notifier.stopping()
    notifier.close()


async def serve(
    settings: Settings,
    roles: tuple[Role, ...],
    metrics: Metrics | None = None,
    stop: asyncio.Event | None = None,
    on_signal: Callable[[], None] | None = None,
) -> int:
    """Open dependencies, run until stopped, close everything. Returns the exit code.

    ``on_signal`` is called on the first stop signal (the command arms its exit deadline there).
    Threads of the loop's default executor still busy at the end are abandoned, not waited for.
    """
    stop = stop or asyncio.Event()
    crashpoints.configure()  # test-only fault hooks; inert unless FRAUDD_TEST_* are set
    install_signal_handlers(stop, on_signal)
    executor = own_default_executor()
    try:
        async with AsyncExitStack() as stack:
            deps = await open_deps(settings, stack, roles, metrics)
            await startup.check(deps, roles)
            deps.metrics.build.info({"version": __version__})
            log.info("daemon.started", roles=list(roles), version=__version__)
            await run_tasks(deps, stop, roles)
        log.info("daemon.stopped")
    finally:
        await release_executor(executor)
    return 0
