"""The test-only crash and hang points: inert by default, exact when configured."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys

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
