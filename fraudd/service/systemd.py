"""systemd's notify protocol (sd_notify): READY, STATUS, STOPPING and watchdog pings.

A no-op unless ``NOTIFY_SOCKET`` is set. The watchdog is pinged only while every task is
heartbeating, so a stuck task lets systemd's ``WatchdogSec`` restart the service.
"""

from __future__ import annotations

import asyncio
import os
import socket

import structlog

from fraudd.health import Health

log = structlog.get_logger(__name__)


class Notifier:
    def __init__(self, address: str | None) -> None:
        self.address = address
        self.sock: socket.socket | None = None
        if address:
            if address.startswith("@"):  # abstract namespace
                address = "\0" + address[1:]
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self.sock.setblocking(False)
            self._target = address

    @classmethod
    def from_environ(cls, environ: dict[str, str] | None = None) -> Notifier:
        env = os.environ if environ is None else environ
        return cls(env.get("NOTIFY_SOCKET"))

    def send(self, *fields: str) -> None:
        """Send ``KEY=value`` lines; errors are logged, never raised (systemd may be gone)."""
        if self.sock is None:
            return
        try:
            self.sock.sendto("\n".join(fields).encode(), self._target)
        except OSError as exc:
            log.warning("systemd.notify_failed", error=str(exc))

    def ready(self, status: str) -> None:
        self.send("READY=1", f"STATUS={status}")

    def status(self, status: str) -> None:
        self.send(f"STATUS={status}")

    def stopping(self) -> None:
        self.send("STOPPING=1", "STATUS=draining")

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()


def watchdog_interval(environ: dict[str, str] | None = None) -> float | None:
    """Half of ``WATCHDOG_USEC`` in seconds (systemd's advice), or None when not supervised."""
    env = os.environ if environ is None else environ
    usec = env.get("WATCHDOG_USEC")
    pid = env.get("WATCHDOG_PID")
    if not usec or (pid and int(pid) != os.getpid()):
        return None
    return int(usec) / 2_000_000


async def run_watchdog(
    notifier: Notifier, health: Health, stop: asyncio.Event, interval: float
) -> None:
    """Ping ``WATCHDOG=1`` every ``interval`` seconds while every task is live."""
    while not stop.is_set():
        stale = health.stale_tasks()
        if stale:
            log.error("systemd.watchdog_withheld", stale_tasks=stale)
        else:
            notifier.send("WATCHDOG=1")
        try:
            await asyncio.wait_for(stop.wait(), interval)
        except TimeoutError:
            pass
