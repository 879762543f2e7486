"""The operator endpoint over real HTTP: /metrics in Prometheus' format, /healthz and /readyz
answering 200 or 503 from the health state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any, cast

import aiohttp
import pytest
from aiohttp import web
from prometheus_client import CollectorRegistry

from fraudd.deps import Deps
from fraudd.health import Health
from fraudd.metrics import create_metrics
from fraudd.service.http import make_app


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def served() -> AsyncIterator[tuple[str, Health, Clock]]:
    metrics = create_metrics(CollectorRegistry())
    clock = Clock()
    health = Health(metrics, timeout_s=1.0, clock=clock)
    deps = cast(Deps, SimpleNamespace(health=health, metrics=metrics))
    runner = web.AppRunner(make_app(deps), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}", health, clock
    finally:
        await runner.cleanup()


async def get(url: str) -> tuple[int, Any, str]:
    async with aiohttp.ClientSession() as client, client.get(url) as resp:
        body = await resp.text()
        return resp.status, resp.headers.get("Content-Type", ""), body


async def test_healthz_and_readyz_follow_the_health_state(
    served: tuple[str, Health, Clock],
) -> None:
    base, health, clock = served
    health.register("consumer")
    assert (await get(f"{base}/healthz"))[0] == 200
    assert (await get(f"{base}/readyz"))[0] == 503  # nothing checked yet
    health.set_dependency("warehouse", True)
    status, _, body = await get(f"{base}/readyz")
    assert status == 200 and '"warehouse": true' in body
    clock.now = 10.0
    status, _, body = await get(f"{base}/healthz")
    assert status == 503 and '"stale_tasks": ["consumer"]' in body


async def test_metrics_are_served_in_the_prometheus_text_format(
    served: tuple[str, Health, Clock],
) -> None:
    base, health, _ = served
    health.set_dependency("stream", True)
    status, content_type, body = await get(f"{base}/metrics")
    assert status == 200 and content_type.startswith("text/plain")
    assert 'fraudd_dependency_up{dependency="stream"} 1.0' in body
