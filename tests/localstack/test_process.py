"""Child processes of the local stack, for real: spawned detached, recognised by PID, start time
and command line, stopped with SIGTERM then SIGKILL, and never a process we did not start."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fraudd.localstack import process
from fraudd.localstack.process import ProcessRef

SLEEPER = [sys.executable, "-I", "-S", "-c", "import time; time.sleep(60)"]
# Ignores SIGTERM, and says so once it does (so the test does not signal it too early).
STUBBORN = [
    sys.executable,
    "-I",
    "-S",
    "-c",
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "print('ignoring', flush=True); time.sleep(60)",
]


@pytest.fixture
def spawned(tmp_path: Path) -> Iterator[list[ProcessRef]]:
    """Refs of the processes a test spawns; any still running are killed afterwards."""
    refs: list[ProcessRef] = []
    yield refs
    for ref in refs:
        if process.is_ours(ref):
            os.kill(ref.pid, signal.SIGKILL)
            os.waitpid(ref.pid, 0)


def test_spawn_runs_the_command_in_its_own_session_and_records_who_it_is(
    tmp_path: Path, spawned: list[ProcessRef]
) -> None:
    ref = process.spawn(SLEEPER, tmp_path / "sleeper.log", cwd=tmp_path)
    spawned.append(ref)
    assert ref.marker == "\0".join(SLEEPER)
    assert ref.start_time == process.start_time(ref.pid)
    assert os.getsid(ref.pid) == ref.pid != os.getsid(0)  # outlives the caller's session
    assert Path(f"/proc/{ref.pid}/cwd").resolve() == tmp_path.resolve()
    assert process.is_ours(ref)
    assert process.cmdline(ref.pid).split("\0")[: len(SLEEPER)] == SLEEPER


def test_a_reused_pid_is_not_ours(tmp_path: Path, spawned: list[ProcessRef]) -> None:
    ref = process.spawn(SLEEPER, tmp_path / "sleeper.log", cwd=tmp_path)
    spawned.append(ref)
    earlier = ProcessRef(pid=ref.pid, start_time=ref.start_time - 1, marker=ref.marker)
    assert not process.is_ours(earlier)
    assert not process.is_ours(ProcessRef(pid=ref.pid, start_time=ref.start_time, marker="x.js"))
    assert not process.is_ours(None)
    assert process.ref_for(ref.pid, "launcher.js") is None


def test_terminate_stops_our_process_and_leaves_a_stranger_alone(
    tmp_path: Path, spawned: list[ProcessRef]
) -> None:
    ref = process.spawn(SLEEPER, tmp_path / "sleeper.log", cwd=tmp_path)
    spawned.append(ref)
    stranger = subprocess.Popen(["sleep", "60"])
    try:
        recorded = ProcessRef(pid=stranger.pid, start_time=1, marker="sleep")  # PID reused
        process.terminate(recorded)
        assert stranger.poll() is None, "terminate signalled a process it did not start"
        process.terminate(ref)
        assert process.start_time(ref.pid) is None and not process.is_ours(ref)
        process.terminate(ref)  # already gone: a no-op
    finally:
        stranger.kill()
        stranger.wait()


def test_terminate_kills_a_process_that_ignores_sigterm(
    tmp_path: Path, spawned: list[ProcessRef]
) -> None:
    log_path = tmp_path / "stubborn.log"
    ref = process.spawn(STUBBORN, log_path, cwd=tmp_path)
    spawned.append(ref)
    assert process.wait_until(lambda: "ignoring" in log_path.read_text(), lambda: True, 10)
    process.terminate(ref, timeout_s=0.2)
    assert process.start_time(ref.pid) is None


def test_start_time_of_a_missing_or_zombie_process_is_none() -> None:
    child = subprocess.Popen(["true"])
    assert process.wait_until(lambda: process.start_time(child.pid) is None, lambda: True, 5)
    assert Path(f"/proc/{child.pid}").exists()  # a zombie until reaped ...
    child.wait()
    assert process.start_time(child.pid) is None and process.cmdline(child.pid) == ""


def test_ports_in_use_and_open() -> None:
    with socket.socket() as held:
        held.bind((process.LOOPBACK, 0))
        port = held.getsockname()[1]
        assert process.port_in_use(port) and not process.port_open(port)  # bound, not listening
        held.listen()
        assert process.port_open(port)
    assert not process.port_in_use(port) and not process.port_open(port)


def test_wait_until_stops_when_ready_or_when_the_process_died() -> None:
    answers = iter([False, False, True])
    assert process.wait_until(lambda: next(answers), lambda: True, 5)
    assert not process.wait_until(lambda: False, lambda: False, 5)
    assert not process.wait_until(lambda: False, lambda: True, 0.1)


def test_log_tail_gives_the_last_lines_or_nothing(tmp_path: Path) -> None:
    path = tmp_path / "x.log"
    path.write_text("".join(f"line {n}\n" for n in range(40)))
    assert process.log_tail(path, 3) == "line 37\nline 38\nline 39"
    assert process.log_tail(path).count("\n") == 14
    assert process.log_tail(tmp_path / "missing.log") == ""
