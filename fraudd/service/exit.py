"""How the daemon's process ends: at once after ``daemon.stopped``, and never later than the
shutdown deadline (the grace period plus :data:`CLOSE_S`) after the first SIGTERM.

Why (measured; figures in the README, under the reliability table): once ``daemon.stopped`` is
logged, everything the daemon owns is committed and closed, yet the interpreter still has two
waits of its own.

- Its finalization (the last garbage collection over the whole heap: botocore's service models,
  XGBoost, pydantic's schemas ...) took 0.6 s on an idle machine and 1–3.5 s, at worst 6–11 s, on
  the shared 2-core machine. py-spy showed the lone main thread in ``gc_collect_main`` then.
- A worker thread that never returns (a blocking call handed to ``asyncio.to_thread`` whose
  awaiting task was cancelled) makes ``asyncio.run`` wait for it forever: Python 3.11's
  ``shutdown_default_executor`` has no timeout, and ``concurrent.futures`` joins every worker
  thread again at interpreter exit.

Steps, in this order:

1. :func:`own_default_executor`, at the start of ``serve``: the loop's default executor is one
   whose threads we can name (``fraudd-worker_N``).
2. :func:`release_executor`, at the end of ``serve``: shut it down without waiting, give its threads
   :data:`JOIN_S` to finish, name the ones still running (``daemon.threads_abandoned``); a fresh
   executor takes its place, so ``asyncio.run`` has nothing left to wait for.
3. :func:`exit_process`, by the command once ``asyncio.run`` returned: flush the logs and the
   standard streams, then ``os._exit`` — no finalization, no thread joins.
4. :class:`ExitDeadline`, armed by the first signal: a backstop timer (a daemon thread) that ends
   the process with :data:`EX_SOFTWARE` if it is still alive at the deadline, whatever it waits on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import NoReturn

import structlog

log = structlog.get_logger(__name__)

THREAD_PREFIX = "fraudd-worker"
CLOSE_S = 5.0
"""Time the deadline allows after the grace period: closing clients and pools, ending the process.
systemd's TimeoutStopSec (deploy/systemd) stays above grace_period_s + CLOSE_S."""
JOIN_S = 1.0
"""How long step 2 lets the executor's threads finish the call they are in."""
EX_SOFTWARE = 70
"""Exit status when the deadline had to end the process (sysexits.h: internal software error)."""


def own_default_executor() -> ThreadPoolExecutor:
    """Make a fresh, named thread pool the running loop's default executor (``to_thread``,
    ``run_in_executor(None, ...)``, ``getaddrinfo``) and return it."""
    executor = ThreadPoolExecutor(thread_name_prefix=THREAD_PREFIX)
    asyncio.get_running_loop().set_default_executor(executor)
    return executor


async def release_executor(executor: ThreadPoolExecutor, join_s: float = JOIN_S) -> list[str]:
    """Shut ``executor`` down without blocking the loop; return the names of the threads still
    running after ``join_s`` (abandoned: nothing waits for them, :func:`exit_process` ends them)."""
    executor.shutdown(wait=False, cancel_futures=True)
    threads = [t for t in threading.enumerate() if t.name.startswith(THREAD_PREFIX + "_")]
    loop = asyncio.get_running_loop()
    # A fresh executor for the bounded join; asyncio.run's shutdown_default_executor then waits
    # only for its one thread, which is done by then.
    loop.set_default_executor(ThreadPoolExecutor(thread_name_prefix="fraudd-release"))
    await loop.run_in_executor(None, _join, threads, time.monotonic() + join_s)
    stuck = sorted(t.name for t in threads if t.is_alive())
    if stuck:
        log.warning("daemon.threads_abandoned", threads=stuck)
    return stuck


def _join(threads: list[threading.Thread], ends: float) -> None:
    for thread in threads:
        thread.join(max(0.0, ends - time.monotonic()))


def exit_process(code: int) -> NoReturn:
    """End the process now with ``code``: flush and close the log handlers and the standard
    streams, then ``os._exit``. Only for when everything the daemon owns is already closed."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


class ExitDeadline:
    """Ends the process with :data:`EX_SOFTWARE` if it is still alive ``after_s`` after
    :meth:`arm` (the first stop signal): the bound a stop never outlasts, whatever blocks."""

    def __init__(self, after_s: float) -> None:
        self.after_s = after_s
        self._timer: threading.Timer | None = None

    def arm(self) -> None:
        """Start the countdown (once; later calls change nothing)."""
        if self._timer is not None:
            return
        self._timer = threading.Timer(self.after_s, self._expire)
        self._timer.name = "fraudd-exit-deadline"
        self._timer.daemon = True  # never itself a reason to stay alive
        self._timer.start()

    def cancel(self) -> None:
        """Stop the countdown (for callers that end the process some other way)."""
        if self._timer is not None:
            self._timer.cancel()

    def _expire(self) -> None:
        alive = sorted(t.name for t in threading.enumerate() if t is not threading.current_thread())
        log.error("daemon.exit_forced", after_s=self.after_s, threads=alive)
        exit_process(EX_SOFTWARE)
