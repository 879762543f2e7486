"""sd_notify over a real datagram socket: READY/STATUS/STOPPING lines, watchdog pings only while
every task is live, and the interval systemd asks for."""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

from prometheus_client import CollectorRegistry

from fraudd.health import Health
from fraudd.metrics import create_metrics
from fraudd.service.systemd import Notifier, run_watchdog, watchdog_interval


def listen(path: Path) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.setblocking(False)
    return sock


def received(sock: socket.socket) -> list[str]:
    out = []
    while True:
        try:
            out.append(sock.recv(4096).decode())
        except BlockingIOError:
            return out


def test_lines_reach_the_socket_and_nothing_is_sent_without_one(tmp_path: Path) -> None:
    sock = listen(tmp_path / "notify")
    notifier = Notifier.from_environ({"NOTIFY_SOCKET": str(tmp_path / "notify")})
    notifier.ready("serving")
    notifier.status("draining soon")
    notifier.stopping()
    notifier.close()
    assert received(sock) == [
        "READY=1\nSTATUS=serving",
        "STATUS=draining soon",
        "STOPPING=1\nSTATUS=draining",
    ]
    silent = Notifier.from_environ({})
    assert silent.sock is None
    silent.ready("serving")  # a no-op, not an error


def test_the_interval_is_half_the_watchdog_and_only_for_this_process() -> None:
    assert watchdog_interval({"WATCHDOG_USEC": "4000000"}) == 2.0
    assert watchdog_interval({"WATCHDOG_USEC": "4000000", "WATCHDOG_PID": str(os.getpid())}) == 2.0
    assert watchdog_interval({"WATCHDOG_USEC": "4000000", "WATCHDOG_PID": "1"}) is None
    assert watchdog_interval({}) is None


async def test_pings_stop_while_a_task_is_stale(tmp_path: Path) -> None:
    sock = listen(tmp_path / "notify")
    notifier = Notifier(str(tmp_path / "notify"))
    now = [0.0]
    health = Health(create_metrics(CollectorRegistry()), timeout_s=1.0, clock=lambda: now[0])
    health.register("consumer")
    stop = asyncio.Event()
    task = asyncio.create_task(run_watchdog(notifier, health, stop, 0.02))
    await asyncio.sleep(0.1)
    assert received(sock).count("WATCHDOG=1") >= 3
    now[0] = 5.0  # the consumer has not beaten for 5 s
    await asyncio.sleep(0.05)
    received(sock)  # a ping may have been in flight when the clock moved
    await asyncio.sleep(0.1)
    assert received(sock) == []
    stop.set()
    await task
    notifier.close()
