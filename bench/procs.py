"""fraudd roles as separate processes, and what the kernel says they cost.

Each role runs as ``fraudd run --roles ROLE --config FILE`` (the producer as
:mod:`bench.produce`), so the CPU time of each task is read from ``/proc/<pid>/stat``
(utime + stime, threads included) without instrumenting the code under test. PostgreSQL's cost
is the postmaster's plus every backend's (live children, plus reaped ones via cutime/cstime).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fraudd.settings import Settings

TICKS = os.sysconf("SC_CLK_TCK")
FRAUDD = str(Path(sys.executable).with_name("fraudd"))


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rfind(")") + 2 :].split()


def cpu_seconds(pid: int, children: bool = False) -> float:
    """User + system CPU seconds of a process (and of its reaped children, if asked)."""
    fields = _stat(pid)
    if fields is None:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICKS


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None and int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a server and every worker it forked (PostgreSQL's backends)."""
    return cpu_seconds(pid, children=True) + sum(cpu_seconds(c) for c in _children(pid))


def machine_busy_seconds() -> float:
    """CPU seconds every core of the machine has spent busy since boot (all processes)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / TICKS


def peak_rss_mib(pid: int) -> float | None:
    """VmHWM: the highest resident set size the process has had."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def write_config(settings: Settings, path: Path, **sections: dict[str, Any]) -> Path:
    """A TOML file with everything the roles need to reach the stack (secrets included)."""
    wh, aws = settings.warehouse, settings.aws
    tables: dict[str, dict[str, Any]] = {
        "aws": {
            "region": aws.region,
            "access_key_id": aws.access_key_id.get_secret_value() if aws.access_key_id else "x",
            "secret_access_key": (
                aws.secret_access_key.get_secret_value() if aws.secret_access_key else "x"
            ),
        },
        "kinesis": {
            "stream_name": settings.kinesis.stream_name,
            "endpoint_url": settings.kinesis.endpoint_url,
            "shard_count": settings.kinesis.shard_count,
        },
        "sns": {"topic_arn": settings.sns.topic_arn, "endpoint_url": settings.sns.endpoint_url},
        "warehouse": {
            "host": wh.host, "port": wh.port, "database": wh.database, "user": wh.user,
            "password": wh.password.get_secret_value(), "sslmode": wh.sslmode,
            "schema": wh.schema_name,
        },
        "http": {"port": 0},
    }
    for name, values in sections.items():
        tables.setdefault(name, {}).update(values)
    lines = ['profile = "local"', 'log_format = "json"', 'log_level = "info"']
    for name, values in tables.items():
        lines.append(f"\n[{name}]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in values.items() if v is not None]
    path.write_text("\n".join(lines) + "\n")
    return path


@dataclass
class Role:
    """One running role process and its log."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    peak_rss: float | None = None

    @property
    def pid(self) -> int:
        return self.process.pid


@dataclass
class Roles:
    """The processes of one run; stopped together (SIGTERM, then SIGKILL after a grace)."""

    workdir: Path
    running: dict[str, Role] = field(default_factory=dict)

    def start(self, name: str, argv: list[str]) -> Role:
        log_path = self.workdir / f"{name}.log"
        with log_path.open("wb") as out:
            process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
        role = Role(name, process, log_path)
        self.running[name] = role
        return role

    def start_fraudd(self, role: str, config: Path) -> Role:
        return self.start(role, [FRAUDD, "--config", str(config), "run", "--roles", role])

    def pids(self) -> dict[str, int]:
        return {name: r.pid for name, r in self.running.items() if r.process.poll() is None}

    def check_alive(self, *names: str) -> None:
        """Raise if a role died: its log tail says why."""
        for name in names or tuple(self.running):
            role = self.running[name]
            if role.process.poll() is not None:
                tail = role.log_path.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{name} exited with {role.process.returncode}:\n{tail}")

    def stop(self, name: str, grace_s: float = 20.0) -> None:
        """SIGTERM one role (recording its peak RSS first) and wait for it."""
        role = self.running[name]
        if role.process.poll() is None:
            role.peak_rss = peak_rss_mib(role.pid)
            role.process.send_signal(signal.SIGTERM)
        try:
            role.process.wait(grace_s)
        except subprocess.TimeoutExpired:
            role.process.kill()
            role.process.wait()

    def stop_all(self) -> None:
        for name in list(self.running):
            self.stop(name)


def wait_for_log(role: Role, marker: str, timeout_s: float = 60.0) -> None:
    """Wait until the role's log contains ``marker`` (e.g. its start-up line)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if marker in role.log_path.read_text(errors="replace"):
            return
        if role.process.poll() is not None:
            break
        time.sleep(0.1)
    tail = role.log_path.read_text(errors="replace")[-3000:]
    raise RuntimeError(f"{role.name} did not log {marker!r} in {timeout_s}s:\n{tail}")
