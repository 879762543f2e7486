"""Child processes of the local stack: start them detached, recognise them later, stop them.

A PID alone is not proof of identity: after a reboot or a long time the number can belong to
another program. A :class:`ProcessRef` therefore also keeps the process's start time (clock
ticks since boot, from ``/proc/<pid>/stat``) and a string its command line must contain, and
nothing is signalled unless all three still match.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import structlog
from pydantic import BaseModel, ConfigDict

from fraudd.localstack.errors import LocalStackError

log = structlog.get_logger(__name__)

LOOPBACK = "127.0.0.1"


class ProcessRef(BaseModel):
    """How to find one started process again: PID, start time and a command-line marker."""

    model_config = ConfigDict(frozen=True)

    pid: int
    start_time: int
    marker: str


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    # The command name in parentheses may contain spaces: split after its closing bracket.
    return raw[raw.rfind(")") + 2 :].split()


def start_time(pid: int) -> int | None:
    """The start time of a live process in clock ticks since boot; None if gone or a zombie."""
    fields = _stat_fields(pid)
    if fields is None or fields[0] in ("Z", "X"):
        return None
    return int(fields[19])


def cmdline(pid: int) -> str:
    """The command line of a process with NUL separators, or "" if it cannot be read."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return ""


def ref_for(pid: int, marker: str) -> ProcessRef | None:
    """A reference to a running process whose command line contains ``marker``, else None."""
    started = start_time(pid)
    if started is None or marker not in cmdline(pid):
        return None
    return ProcessRef(pid=pid, start_time=started, marker=marker)


def is_ours(ref: ProcessRef | None) -> bool:
    """True while the process that ``ref`` recorded is still alive (not a reused PID)."""
    return ref is not None and ref_for(ref.pid, ref.marker) == ref


def spawn(argv: Sequence[str], log_path: Path, cwd: Path) -> ProcessRef:
    """Start ``argv`` in its own session so it outlives the caller; output goes to ``log_path``."""
    with log_path.open("ab") as log_file:
        child = subprocess.Popen(
            list(argv),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    marker = "\0".join(argv)
    for _ in range(100):
        # /proc/<pid>/cmdline shows the parent's image until exec() has happened.
        ref = ref_for(child.pid, marker)
        if ref is not None:
            return ref
        if child.poll() is not None:
            break
        time.sleep(0.01)
    raise LocalStackError(f"{argv[0]} exited at once; see {log_path}\n{log_tail(log_path)}")


def _reap(pid: int) -> None:
    """Collect the exit status if the process was our own child, so it leaves no zombie."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def terminate(ref: ProcessRef, timeout_s: float = 10.0) -> None:
    """Stop a process we started: SIGTERM, then SIGKILL after ``timeout_s``; no-op if gone."""
    if not is_ours(ref):
        return
    for sig, wait_s in ((signal.SIGTERM, timeout_s), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(ref.pid, sig)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            _reap(ref.pid)
            # Not is_ours(): an exiting process's command line reads empty before it is a
            # zombie, so it would look gone while it still runs; its start time does not.
            if start_time(ref.pid) != ref.start_time:
                return
            time.sleep(0.05)
    raise LocalStackError(f"process {ref.pid} did not stop after SIGKILL")


def port_in_use(port: int, host: str = LOOPBACK) -> bool:
    """True if another socket already holds ``host:port`` (binding it would fail)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return True
            raise
    return False


def port_open(port: int, host: str = LOOPBACK, timeout_s: float = 0.5) -> bool:
    """True if something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def wait_until(ready: Callable[[], bool], alive: Callable[[], bool], timeout_s: float) -> bool:
    """Poll ``ready`` until it holds (True) or ``alive`` fails or time runs out (False)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if ready():
            return True
        if not alive():
            return False
        time.sleep(0.05)
    return ready()


def log_tail(path: Path, lines: int = 15) -> str:
    """The last lines of a log file, for error messages."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])
