"""The investigators' web console: role ``console`` (``fraudd run --roles console``).

Two jobs in one task: serve the pages (:mod:`fraudd.console.web`, on ``console.host:port``,
loopback by default) and, every ``console.intake_poll_s``, open cases for new alerts and set the
``fraudd_cases_open`` gauge. On Redshift run one console per warehouse (the intake's guards are
exact for one writer, like the actions role's claims).
"""

from __future__ import annotations

import asyncio
import ssl
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
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
from fraudd.settings import ConfigError, ConsoleSettings
from fraudd.tasks.loop import Pass, poll_loop
from fraudd.warehouse import opened_warehouse

log = structlog.get_logger(__name__)


async def run(deps: Deps, stop: asyncio.Event) -> None:
    """Serve the console and run the case intake until ``stop``, as the console's own database
    user (``console.warehouse_*``, :meth:`Settings.for_people`) when one is configured."""
    cfg = deps.settings.console
    async with AsyncExitStack() as stack:
        people = deps.settings.for_people()
        if people.warehouse != deps.settings.warehouse:
            warehouse = await stack.enter_async_context(opened_warehouse(people))
            deps = replace(deps, settings=people, warehouse=warehouse)
        alb = None
        if cfg.auth == "alb":
            http = await stack.enter_async_context(aiohttp.ClientSession())
            alb = AlbVerifier(deps.settings, http)
        console = Console(deps, console_secret(deps.settings), alb)
        runner = AppRunner(make_app(console), access_log=None, handle_signals=False)
        await runner.setup()
        stack.push_async_callback(runner.cleanup)
        site = TCPSite(runner, cfg.host, cfg.port, ssl_context=tls_context(cfg))
        await site.start()
        log.info("console.started", host=cfg.host, port=cfg.port, auth=cfg.auth,
                 tls=cfg.tls_cert_file is not None)  # fmt: skip
        state = Intake()
        await poll_loop("console", deps, stop, lambda: intake(deps, state), cfg.intake_poll_s)


def tls_context(cfg: ConsoleSettings) -> ssl.SSLContext | None:
    """The listener's TLS (TLS 1.2 or later) from ``console.tls_cert_file``/``tls_key_file``;
    None when unset. A file that cannot be loaded is a configuration error (exit 78)."""
    if cfg.tls_cert_file is None or cfg.tls_key_file is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cfg.tls_cert_file, cfg.tls_key_file)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            f"invalid configuration: console.tls_cert_file: cannot load {cfg.tls_cert_file} "
            f"with {cfg.tls_key_file} ({type(exc).__name__}: {exc})"
        ) from None
    return context


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
