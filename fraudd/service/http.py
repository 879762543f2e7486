"""The operator endpoint: ``/metrics`` (Prometheus), ``/healthz`` and ``/readyz``."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import structlog
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

if TYPE_CHECKING:
    from fraudd.deps import Deps

log = structlog.get_logger(__name__)


def make_app(deps: Deps) -> web.Application:
    """The aiohttp application serving the three endpoints from ``deps``' state."""
    health, registry = deps.health, deps.metrics.registry

    async def metrics(_: web.Request) -> web.Response:
        body = generate_latest(registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def healthz(_: web.Request) -> web.Response:
        stale = health.stale_tasks()
        status = 200 if not stale else 503
        return web.json_response({"live": not stale, "stale_tasks": stale}, status=status)

    async def readyz(_: web.Request) -> web.Response:
        status = 200 if health.ready() else 503
        return web.json_response(
            {"ready": health.ready(), "dependencies": health.dependencies}, status=status
        )

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    return app


async def run(deps: Deps, stop: asyncio.Event) -> None:
    """Serve until ``stop`` is set. Binds to loopback unless configured otherwise."""
    cfg = deps.settings.http
    runner = web.AppRunner(make_app(deps), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, cfg.host, cfg.port)
    await site.start()
    addresses = [s.getsockname() for s in ((runner.server and site._server.sockets) or [])]  # type: ignore[union-attr]
    deps.bound_http = addresses[0] if addresses else (cfg.host, cfg.port)
    log.info("http.started", host=deps.bound_http[0], port=deps.bound_http[1])
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
