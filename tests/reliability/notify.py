"""A systemd stand-in for the notify protocol: a datagram socket the daemon sends to."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path


class NotifyListener:
    """Collects ``(monotonic time, message)`` from ``NOTIFY_SOCKET`` on a background thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.2)
        self.messages: list[tuple[float, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                continue
            self.messages.append((time.monotonic(), data.decode()))

    def env(self, watchdog_s: float) -> dict[str, str]:
        """What systemd sets for a ``Type=notify`` service with ``WatchdogSec``."""
        return {"NOTIFY_SOCKET": str(self.path), "WATCHDOG_USEC": str(int(watchdog_s * 1e6))}

    def lines(self, since: float = 0.0) -> list[str]:
        """Every ``KEY=value`` line received after ``since`` (monotonic)."""
        return [line for t, m in self.messages if t >= since for line in m.splitlines()]

    def pings(self, since: float = 0.0) -> list[float]:
        return [t for t, m in self.messages if t >= since and "WATCHDOG=1" in m.splitlines()]

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()
        self.path.unlink(missing_ok=True)
