"""The daemon's process end: a stuck worker thread is abandoned, not waited for; exit_process ends
the process at once with its code and its output flushed; the exit deadline ends a process that
hangs. Each case runs in a child interpreter (the session's event loop and threads stay as they
are, and a hang would otherwise be pytest's own)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

from fraudd.service.exit import EX_SOFTWARE

PRELUDE = """
import asyncio, sys, threading
from fraudd.logs import configure_logging
from fraudd.service import exit
configure_logging("json")
"""


def _child(body: str, timeout_s: float = 30) -> tuple[int, list[dict[str, object]], float, str]:
    """Run ``body`` after :data:`PRELUDE`: exit code, JSON log events, seconds, stdout."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", PRELUDE + textwrap.dedent(body)],
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    events = [json.loads(x) for x in done.stdout.splitlines() if x.startswith("{")]
    return done.returncode, events, time.monotonic() - started, done.stdout


def _named(events: list[dict[str, object]], name: str) -> list[dict[str, object]]:
    return [e for e in events if e["event"] == name]


def test_a_stuck_worker_thread_is_abandoned_and_the_process_ends() -> None:
    code, events, took, _ = _child(
        """
        async def main():
            executor = exit.own_default_executor()
            assert await asyncio.to_thread(lambda: 41 + 1) == 42
            stuck = asyncio.ensure_future(asyncio.to_thread(threading.Event().wait))
            await asyncio.sleep(0.1)
            stuck.cancel()  # the task ends; its thread does not
            return await exit.release_executor(executor, join_s=0.3)

        names = asyncio.run(main())  # would wait for the stuck thread forever without release
        print("abandoned", names, flush=True)
        exit.exit_process(0)
        """
    )
    assert code == 0 and took < 10
    (abandoned,) = _named(events, "daemon.threads_abandoned")
    assert len(abandoned["threads"]) == 1  # type: ignore[arg-type]
    assert str(abandoned["threads"][0]).startswith("fraudd-worker_")  # type: ignore[index]


def test_idle_worker_threads_are_not_reported() -> None:
    code, events, _, _ = _child(
        """
        async def main():
            executor = exit.own_default_executor()
            await asyncio.gather(*(asyncio.to_thread(sum, [i, 1]) for i in range(8)))
            return await exit.release_executor(executor, join_s=5)

        assert asyncio.run(main()) == []
        exit.exit_process(0)
        """
    )
    assert code == 0 and not _named(events, "daemon.threads_abandoned")


def test_exit_process_keeps_the_code_and_the_output_and_waits_for_no_thread() -> None:
    code, events, took, out = _child(
        """
        import structlog
        threading.Thread(target=threading.Event().wait, daemon=False).start()
        structlog.get_logger("t").info("probe.logged")
        sys.stdout.write("unflushed")
        exit.exit_process(3)
        """
    )
    assert code == 3 and took < 10
    assert _named(events, "probe.logged") and out.endswith("unflushed")


def test_the_exit_deadline_ends_a_hanging_process() -> None:
    code, events, took, _ = _child(
        """
        deadline = exit.ExitDeadline(0.5)
        deadline.arm()
        deadline.arm()  # once only
        threading.Event().wait()  # the main thread hangs for good
        """
    )
    assert code == EX_SOFTWARE
    assert took < 10
    (forced,) = _named(events, "daemon.exit_forced")
    assert forced["after_s"] == 0.5


def test_a_cancelled_deadline_never_fires() -> None:
    code, events, _, _ = _child(
        """
        import time
        deadline = exit.ExitDeadline(0.2)
        deadline.arm()
        deadline.cancel()
        time.sleep(0.6)
        """
    )
    assert code == 0 and not _named(events, "daemon.exit_forced")
