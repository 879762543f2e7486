"""Shutdown and supervision of the real daemon process: SIGTERM drains within the grace period
and exits 0 with nothing lost; a second signal exits at once; systemd's notify protocol (READY,
STATUS, STOPPING, WATCHDOG) over a real NOTIFY_SOCKET, and no watchdog pings from a stuck task."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from fraudd.crashpoints import HANG_VAR
from fraudd.service.exit import CLOSE_S
from tests.conftest import free_ports
from tests.e2e.harness import make_env
from tests.reliability.daemon import DaemonProcess
from tests.reliability.notify import NotifyListener
from tests.reliability.scale import Scale
from tests.reliability.shutdown import GRACE_S, daemon_settings, sigterm_drain

pytestmark = pytest.mark.timeout(600)

WATCHDOG_S = 1.0  # WATCHDOG_USEC: pings every 0.5 s
HEARTBEAT_S = 2.0  # a task silent for longer is stuck


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[NotifyListener]:
    notify = NotifyListener(tmp_path / "notify.sock")
    yield notify
    notify.close()


async def _daemon(local_stack: Any, workdir: Path) -> DaemonProcess:
    env = await make_env(
        local_stack, http={"port": free_ports(1)[0], "heartbeat_timeout_s": HEARTBEAT_S}
    )
    return DaemonProcess(daemon_settings(env), workdir)


async def test_sigterm_drains_and_nothing_is_lost(
    local_stack: Any, scale: Scale, tmp_path: Path
) -> None:
    t = await sigterm_drain(local_stack, scale, tmp_path / "daemon")
    print(t.as_dict())
    assert t.details["exit_code"] == 0
    assert t.details["exit_s"] < GRACE_S + 5  # + interpreter teardown after daemon.stopped
    assert t.details["final_exit_code"] == 0 and t.details["settled"]
    assert t.lost == 0 and t.doubled == 0 and t.alerts_missing == 0, t.details
    assert t.decisions == t.records_in


async def test_notify_ready_status_watchdog_stopping(
    local_stack: Any, tmp_path: Path, listener: NotifyListener
) -> None:
    daemon = await _daemon(local_stack, tmp_path / "daemon")
    daemon.start(listener.env(WATCHDOG_S))
    try:
        assert await daemon.wait_http(90)
        await asyncio.sleep(3.0)
        since = time.monotonic() - 2.5
        assert "READY=1" in listener.lines()
        assert any(x.startswith("STATUS=running ") for x in listener.lines())
        assert len(listener.pings(since)) >= 3  # every WATCHDOG_S / 2 while all tasks beat
        assert (await daemon.http("/healthz"))[0] == 200
        daemon.signal(signal.SIGTERM)
        assert await daemon.wait_exit(GRACE_S + 10) == 0
        assert "STOPPING=1" in listener.lines()
    finally:
        daemon.kill()


async def test_stuck_task_stops_watchdog_and_second_signal_exits_at_once(
    local_stack: Any, tmp_path: Path, listener: NotifyListener
) -> None:
    daemon = await _daemon(local_stack, tmp_path / "daemon")
    daemon.start(listener.env(WATCHDOG_S) | {HANG_VAR: "consumer"})
    try:
        assert await daemon.wait_http(90)
        await asyncio.sleep(HEARTBEAT_S + 2 * WATCHDOG_S)
        quiet_since = time.monotonic() - WATCHDOG_S * 1.5
        assert listener.pings() and not listener.pings(quiet_since), "pings went on"
        status, body = await daemon.http("/healthz")
        assert status == 503 and json.loads(body)["stale_tasks"] == ["consumer"]
        daemon.signal(signal.SIGTERM)  # the stuck consumer cannot drain ...
        await asyncio.sleep(1.0)
        assert daemon.alive() and "STOPPING=1" in listener.lines()
        signalled = time.monotonic()
        daemon.signal(signal.SIGTERM)  # ... so the operator insists
        assert await daemon.wait_exit(5) == 130
        assert time.monotonic() - signalled < 2.0
    finally:
        daemon.kill()


async def test_stuck_task_is_cancelled_after_the_grace_period(
    local_stack: Any, tmp_path: Path
) -> None:
    daemon = await _daemon(local_stack, tmp_path / "daemon")
    daemon.start({HANG_VAR: "consumer"})
    try:
        exit_s = await _sigterm_when_serving(daemon)
        # The daemon's own clock: from the signal to the deadline's cancel, and to daemon.stopped;
        # the process itself ends right after (fraudd.service.exit), within the exit deadline.
        at = _event_times(daemon.log_text())
        cancelled = at["daemon.deadline_cancelled"] - at["daemon.stopping"]
        print({"cancelled_s": round(cancelled, 2), "signal_to_exit_s": round(exit_s, 2)})
        assert GRACE_S - 0.5 < cancelled < GRACE_S + 2
        assert at["daemon.stopped"] - at["daemon.stopping"] < GRACE_S + 5
        assert exit_s < GRACE_S + CLOSE_S
    finally:
        daemon.kill()


async def test_thread_stuck_in_the_executor_does_not_hold_the_exit(
    local_stack: Any, tmp_path: Path
) -> None:
    """A worker thread that never returns (the consumer awaits it) is abandoned: the process
    exits 0 within the shutdown deadline. Before fraudd.service.exit it never exited at all
    (asyncio.run waited for the thread)."""
    daemon = await _daemon(local_stack, tmp_path / "daemon")
    daemon.start({HANG_VAR: "consumer:thread"})
    try:
        exit_s = await _sigterm_when_serving(daemon)
        print({"signal_to_exit_s": round(exit_s, 2)})
        assert exit_s < GRACE_S + CLOSE_S
        abandoned = [json.loads(x) for x in daemon.log_text().splitlines() if "abandoned" in x]
        assert len(abandoned) == 1 and len(abandoned[0]["threads"]) == 1, abandoned
        assert abandoned[0]["threads"][0].startswith("fraudd-worker_")
    finally:
        daemon.kill()


async def _sigterm_when_serving(daemon: DaemonProcess) -> float:
    """SIGTERM once the daemon serves; the seconds until its process exited 0."""
    assert await daemon.wait_http(90)
    signalled = time.monotonic()
    daemon.signal(signal.SIGTERM)
    assert await daemon.wait_exit(GRACE_S + CLOSE_S + 5) == 0
    return time.monotonic() - signalled


def _event_times(log: str) -> dict[str, float]:
    """The first time (POSIX seconds) each event of the daemon's JSON log happened."""
    times: dict[str, float] = {}
    for line in log.splitlines():
        with contextlib.suppress(ValueError, KeyError, TypeError):
            event = json.loads(line)
            stamp = datetime.fromisoformat(event["timestamp"]).timestamp()
            times.setdefault(event["event"], stamp)
    return times
