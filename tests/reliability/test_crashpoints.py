"""The test-only crash and hang points: inert by default, exact when configured."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import threading

import pytest

from fraudd import crashpoints


def test_parse_counts_and_defaults() -> None:
    assert crashpoints.parse("consumer.before_commit:7, actions.after_publish") == {
        "consumer.before_commit": 7,
        "actions.after_publish": 1,
    }
    assert crashpoints.parse("") == {}
    with pytest.raises(ValueError):
        crashpoints.parse("x:0")


def test_inert_unless_configured() -> None:
    crashpoints.configure({})
    for _ in range(3):
        crashpoints.crashpoint("consumer.before_commit")  # would SIGKILL us if armed


def _child(spec: str, hits: int, printed: int) -> int:
    code = (
        "from fraudd import crashpoints as c\n"
        f"c.configure({{'FRAUDD_TEST_CRASHPOINT': {spec!r}}})\n"
        f"for i in range({hits}):\n"
        "    print(i, flush=True)\n"
        "    c.crashpoint('consumer.before_commit')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == [str(i) for i in range(printed)]
    return done.returncode


def test_sigkill_on_the_nth_hit_only() -> None:
    assert _child("consumer.before_commit:3", 2, printed=2) == 0
    assert _child("consumer.before_commit:3", 5, printed=3) == -signal.SIGKILL
    assert _child("ingest.after_read:1", 5, printed=5) == 0  # another point: never reached


async def test_hangpoint_hangs_only_the_named_task() -> None:
    crashpoints.configure({"FRAUDD_TEST_HANG": "consumer"})
    try:
        await asyncio.wait_for(crashpoints.hangpoint("actions"), 1)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(crashpoints.hangpoint("consumer"), 0.3)
    finally:
        crashpoints.configure({})


async def test_thread_hang_blocks_a_worker_thread_until_reconfigured() -> None:
    crashpoints.configure({"FRAUDD_TEST_HANG": "consumer:thread, actions"})
    try:
        hung = asyncio.ensure_future(crashpoints.hangpoint("consumer"))
        await asyncio.sleep(0.2)
        blocked = [t for t in threading.enumerate() if _waits_in_hangpoint(t)]
        assert not hung.done() and len(blocked) == 1  # the loop runs on; a thread is stuck
        hung.cancel()
        await asyncio.sleep(0.1)
        assert blocked[0].is_alive() and _waits_in_hangpoint(blocked[0])  # cancel frees no thread
    finally:
        crashpoints.configure({})  # releases it
    await asyncio.sleep(0.2)
    assert not any(_waits_in_hangpoint(t) for t in threading.enumerate())
    with pytest.raises(ValueError):
        crashpoints.configure({"FRAUDD_TEST_HANG": "consumer:forever"})


def _waits_in_hangpoint(thread: threading.Thread) -> bool:
    """True while ``thread`` is inside the threading.Event.wait that a thread hang blocks on."""
    frame = sys._current_frames().get(thread.ident or -1)
    while frame is not None:
        if frame.f_code.co_name == "wait" and frame.f_code.co_filename == threading.__file__:
            return True
        frame = frame.f_back
    return False
