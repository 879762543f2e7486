"""Test-only fault hooks: crash (SIGKILL) or hang at named points of the daemon.

Inert unless the daemon was started with one of these variables (read once, by :func:`configure`,
which :func:`fraudd.service.daemon.serve` calls at start; never at import):

- ``FRAUDD_TEST_CRASHPOINT=consumer.before_commit:7[,actions.after_publish:3]``: the process
  sends itself SIGKILL on the 7th time it reaches ``consumer.before_commit``. SIGKILL, not an
  exception: nothing may run after it (no ``finally``, no rollback from our side, no flush), which
  is what a power cut or the OOM killer does.
- ``FRAUDD_TEST_HANG=consumer[,actions]``: the named poll loop awaits an event that never fires
  before its first step, so the task stops making progress (a stuck task for the watchdog test).
  ``consumer:thread`` hangs it in a worker thread instead (``asyncio.to_thread`` of a call that
  never returns): cancelling the task does not end the thread (the shutdown test's stray thread).

Points in the code: ``consumer.before_commit``, ``consumer.after_commit``,
``actions.after_publish``, ``ingest.after_read``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections.abc import Mapping

CRASH_VAR = "FRAUDD_TEST_CRASHPOINT"
HANG_VAR = "FRAUDD_TEST_HANG"

_remaining: dict[str, int] = {}
_hanging: dict[str, str] = {}  # task -> "loop" | "thread"
_release = threading.Event()


def parse(spec: str) -> dict[str, int]:
    """``"a:3,b"`` → ``{"a": 3, "b": 1}``; a malformed count is an error (tests only)."""
    points: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, count = item.partition(":")
        points[name] = int(count) if count else 1
        if points[name] < 1:
            raise ValueError(f"{CRASH_VAR}: hit count must be >= 1 in {item!r}")
    return points


def configure(environ: Mapping[str, str] | None = None) -> None:
    """Read the test variables once, at daemon start; threads an earlier configuration hung
    are released."""
    global _release
    env = os.environ if environ is None else environ
    _remaining.clear()
    _remaining.update(parse(env.get(CRASH_VAR, "")))
    _hanging.clear()
    for item in filter(None, (part.strip() for part in env.get(HANG_VAR, "").split(","))):
        name, _, mode = item.partition(":")
        if mode not in ("", "thread"):
            raise ValueError(f"{HANG_VAR}: unknown hang mode in {item!r}")
        _hanging[name] = mode or "loop"
    _release.set()
    _release = threading.Event()


def crashpoint(name: str) -> None:
    """SIGKILL this process on the configured hit of ``name``; otherwise do nothing."""
    if name not in _remaining:
        return
    _remaining[name] -= 1
    if _remaining[name] <= 0:
        os.kill(os.getpid(), signal.SIGKILL)


async def hangpoint(task: str) -> None:
    """Never return when ``task`` is configured to hang; otherwise return at once."""
    mode = _hanging.get(task)
    if mode == "thread":
        await asyncio.to_thread(_release.wait)
    if mode is not None:
        await asyncio.Event().wait()
