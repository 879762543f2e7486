"""The daemon's lifecycle pieces on a real event loop: signals only set the stop event (a second
one exits at once), the deadline cancels only what outlives the grace period, and run_tasks and
serve run every task in one TaskGroup with the HTTP endpoint, readiness and systemd's notify
messages, and end when stopped. (The whole daemon under SIGTERM:
tests/reliability/test_shutdown.py.)"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path

import aiohttp
import pytest
from structlog.testing import capture_logs

from fraudd.deps import Deps, open_deps
from fraudd.localstack import StackInfo
from fraudd.metrics import create_metrics
from fraudd.service import daemon
from fraudd.settings import Settings
from tests.reliability.notify import NotifyListener

SIGNALS = (signal.SIGTERM, signal.SIGINT)


@pytest.fixture
async def restore_signals() -> AsyncIterator[None]:
    """The handlers are installed on the session's loop: take them off again."""
    yield
    loop = asyncio.get_running_loop()
    for sig in SIGNALS:
        assert loop.remove_signal_handler(sig), f"no handler for {sig.name} to take off"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


async def test_a_signal_only_sets_the_stop_event(restore_signals: None) -> None:
    for sig in SIGNALS:
        stop = asyncio.Event()
        daemon.install_signal_handlers(stop)
        with capture_logs() as logs:
            os.kill(os.getpid(), sig)
            await asyncio.wait_for(stop.wait(), 5)
        assert [(e["event"], e["signal"]) for e in logs] == [("daemon.stopping", sig.name)]


async def test_a_second_signal_exits_at_once_with_130(
    restore_signals: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The handler's choice on a real signal; os._exit itself is recorded instead of ending
    pytest (the real process exiting 130: tests/reliability/test_shutdown.py)."""
    exits: list[int] = []
    monkeypatch.setattr(daemon.os, "_exit", exits.append)
    stop = asyncio.Event()
    daemon.install_signal_handlers(stop)
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.wait_for(stop.wait(), 5)
    assert exits == []  # the first signal only asks the tasks to stop
    with capture_logs() as logs:
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(500):  # the handler runs on the loop's next turn after the signal
            if exits:
                break
            await asyncio.sleep(0.01)
    assert exits == [daemon.EXIT_NOW] == [130]
    # (the real os._exit ends the process here; the recorder returns, so the handler goes on)
    assert (logs[0]["event"], logs[0]["signal"]) == ("daemon.killed", "SIGINT")


async def test_the_deadline_cancels_only_tasks_that_outlive_the_grace_period() -> None:
    stop, release = asyncio.Event(), asyncio.Event()

    async def drains() -> None:
        await stop.wait()

    async def stuck() -> None:
        await release.wait()

    tasks = [asyncio.create_task(drains(), name="ingest"), asyncio.create_task(stuck(), name="c")]
    deadline = asyncio.create_task(daemon._deadline(stop, 0.05, tasks))
    await asyncio.sleep(0)
    assert not deadline.done()  # waits for the stop event first
    with capture_logs() as logs:
        stop.set()
        await asyncio.wait_for(deadline, 5)
    assert tasks[1].cancelled() and not tasks[0].cancelled() and tasks[0].done()
    assert [(e["event"], e["task"]) for e in logs] == [("daemon.deadline_cancelled", "c")]


async def test_the_deadline_ends_as_soon_as_every_task_has_drained() -> None:
    stop = asyncio.Event()
    tasks = [asyncio.create_task(stop.wait()) for _ in range(3)]
    stop.set()
    await asyncio.wait_for(daemon._deadline(stop, 3600, tasks), 5)  # not the grace period
    assert all(t.done() and not t.cancelled() for t in tasks)


@pytest.fixture
async def deps(local_stack: tuple[Settings, StackInfo]) -> AsyncIterator[Deps]:
    settings = local_stack[0].derive(http={"port": 0}, grace_period_s=5.0)
    async with AsyncExitStack() as stack:
        yield await open_deps(settings, stack, ())


@pytest.fixture
def notify(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[NotifyListener]:
    listener = NotifyListener(tmp_path / "notify.sock")
    monkeypatch.setenv("NOTIFY_SOCKET", str(listener.path))
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    yield listener
    listener.close()


async def test_run_tasks_serves_checks_notifies_and_ends_when_stopped(
    deps: Deps, notify: NotifyListener
) -> None:
    stop, seen = asyncio.Event(), {}

    async def operator(d: Deps, s: asyncio.Event) -> None:
        """A task of the group: waits for the endpoint and readiness, asks /readyz, stops."""
        while d.bound_http is None or not d.health.dependencies:  # noqa: ASYNC110 (no event)
            await asyncio.sleep(0.01)
        host, port = d.bound_http
        url = f"http://{host}:{port}/readyz"
        async with aiohttp.ClientSession() as http, http.get(url) as r:
            seen["readyz"] = (r.status, await r.json())
        s.set()

    await asyncio.wait_for(daemon.run_tasks(deps, stop, (), {"operator": operator}), 30)

    assert seen["readyz"] == (200, {"ready": True, "dependencies": {"warehouse": True}})
    for _ in range(200):  # the listener's thread may still be reading the last datagram
        if "STOPPING=1" in notify.lines():
            break
        await asyncio.sleep(0.01)
    assert notify.lines() == ["READY=1", "STATUS=running ", "STOPPING=1", "STATUS=draining"]


async def test_a_failing_task_ends_the_group_with_its_error(deps: Deps) -> None:
    async def broken(d: Deps, s: asyncio.Event) -> None:
        raise RuntimeError("consumer lost its schema")

    with pytest.raises(ExceptionGroup) as ended:
        await asyncio.wait_for(daemon.run_tasks(deps, asyncio.Event(), (), {"c": broken}), 30)
    assert ended.group_contains(RuntimeError, match="consumer lost its schema")


async def test_serve_opens_runs_and_closes_everything(
    local_stack: tuple[Settings, StackInfo], restore_signals: None
) -> None:
    settings = local_stack[0].derive(http={"port": 0})
    stop, metrics = asyncio.Event(), create_metrics()
    stop.set()  # stopped at once: serve still opens, checks, runs and closes in order
    with capture_logs() as logs:
        assert await asyncio.wait_for(daemon.serve(settings, (), metrics, stop), 30) == 0
    events = [e["event"] for e in logs]
    assert events.index("daemon.started") < events.index("http.started")
    assert events[-2:] == ["warehouse.closed", "daemon.stopped"]
    assert metrics.registry.get_sample_value("fraudd_build_info", {"version": daemon.__version__})
