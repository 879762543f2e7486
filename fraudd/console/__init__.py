"""The investigators' web console: role ``console`` (``fraudd run --roles console``).

Two jobs in one task: serve the pages (:mod:`fraudd.console.web`, on ``console.host:port``,
loopback by default) and, every ``console.intake_poll_s``, open cases for new alerts and set the
``fraudd_cases_open`` gauge. On Redshift run one console per warehouse (the intake's guards are
exact for one writer, like the actions role's claims).
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
import structlog

# (aiohttp's web module is imported by name: importing fraudd.console.web below binds the name
# "web" in this package's namespace to that submodule.)
from aiohttp.web import AppRunner, TCPSite

from fraudd.console.alb import AlbVerifier
from fraudd.console.auth import console_secret
from fraudd.console.web import Console, make_app
from fraudd.deps import Deps
from fraudd.tasks.loop import Pass, poll_loop

log = structlog.get_logger(__name__)


async def run(deps: Deps, stop: asyncio.Event) -> None:
    """Serve the console and run the case intake until ``stop``."""
    cfg = deps.settings.console
    async with AsyncExitStack() as stack:
        alb = None
        if cfg.auth == "alb":
            http = await stack.enter_async_context(aiohttp.ClientSession())
            alb = AlbVerifier(deps.settings, http)
        console = Console(deps, console_secret(deps.settings), alb)
        runner = AppRunner(make_app(console), access_log=None, handle_signals=False)
        await runner.setup()
        stack.push_async_callback(runner.cleanup)
        site = TCPSite(runner, cfg.host, cfg.port)
        await site.start()
        log.info("console.started", host=cfg.host, port=cfg.port, auth=cfg.auth)
        state = Intake()
        await poll_loop("console", deps, stop, lambda: intake(deps, state), cfg.intake_poll_s)


LOOKBACK = timedelta(minutes=10)
"""How far before the previous pass each intake looks again: alerts commit in an order that
need not be their created_at order (several consumers), and no consumer transaction lasts
this long (statement timeouts are seconds); it also absorbs modest clock skew."""


@dataclass
class Intake:
    """Where the next pass starts: all of ``console.intake_days`` once, then recent alerts."""

    last_pass: datetime | None = None


async def intake(deps: Deps, state: Intake | None = None) -> Pass:
    """Attach new alerts to cases (opening cases as needed); refresh the open-cases gauge."""
    state = state or Intake()
    started = deps.clock()
    since = started - timedelta(days=deps.settings.console.intake_days)
    if state.last_pass is not None:
        since = max(since, state.last_pass - LOOKBACK)
    async with deps.warehouse.session() as s:
        async with s.transaction():
            attached = await s.intake_alerts(since)
        deps.metrics.cases_open.set(await s.open_case_count())
    deps.health.set_dependency("warehouse", True)
    state.last_pass = started
    if attached:
        log.info("console.alerts_attached", alerts=attached)
        return Pass.CAUGHT_UP
    return Pass.IDLE
