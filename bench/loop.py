"""One live run of the whole loop at a fixed rate, each role in its own process.

Producer (:mod:`bench.produce`) -> kinesalite -> ``fraudd run --roles ingest`` -> PostgreSQL ->
``fraudd run --roles consumer`` (the template's model, local backend) -> ``fraudd run --roles
actions`` -> moto SNS. After a warm-up, a measurement window of ``window_s`` seconds: CPU of every
process is read at its start and end; rates, latencies and the backlog come from the decisions
table afterwards (``decided_at - produced_at``, both wall clock), once the run has drained.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import measure
from bench.common import Stack, environment
from bench.procs import (
    Roles,
    cpu_seconds,
    machine_busy_seconds,
    peak_rss_mib,
    tree_cpu_seconds,
    wait_for_log,
    write_config,
)
from bench.produce import FIRST_SENT
from bench.template import Template, clone
from fraudd.localstack.environment import LocalEnvironment, remove_environment

FRAUDD_ROLES = ("ingest", "consumer", "actions")
DRAIN_TIMEOUT_S = 45.0
PRODUCE_PAST_WINDOW_S = 5.0
"""The producer keeps going a little after the window, so its last second is a full one."""


NO_DECLINES: dict[str, dict[str, Any]] = {"producer": {"block_cache_ttl_s": 1e9}}
"""The card application reads the block list once, at start, so every swipe reaches the stream.
At benchmark rates a simulated month passes every minute or two: blocked cards (blocks last 30
days) soon make up a quarter of the 2,000 simulated cards, and their declined swipes would never
reach the stream (measured: 28 % of swipes at 2,000 tx/s), which would understate the load. The
actions task still writes every block."""
DEFAULT_SECTIONS: dict[str, dict[str, Any]] = {"scoring": {"backend": "local"}, **NO_DECLINES}
"""fraudd's defaults, with the local model scoring: what the cost scenario runs."""
LOCAL_PROFILE = Path(__file__).resolve().parents[1] / "config" / "local.toml"


def latency_sections() -> dict[str, dict[str, Any]]:
    """What the sustained scenario runs: the defaults with the local profile's idle polls
    (``config/local.toml``: 50 ms consumer, 100 ms ingest) instead of 200 ms. Separate
    processes cannot wake each other, so an idle poll interval is latency; shorter ones cost
    CPU in empty polls (measured: at 1,000 tx/s p50 439 -> 282 ms)."""
    profile = tomllib.loads(LOCAL_PROFILE.read_text(encoding="utf-8"))
    polls = {
        role: {"poll_interval_s": profile[role]["poll_interval_s"]}
        for role in ("consumer", "ingest")
    }
    return {**DEFAULT_SECTIONS, **polls}


@dataclass(frozen=True)
class RunConfig:
    """One fixed-rate run."""

    rate: float
    window_s: float = 60.0
    warmup_s: float = 10.0
    shards: int = 4
    sections: dict[str, dict[str, Any]] = field(default_factory=lambda: dict(DEFAULT_SECTIONS))
    """Settings given to every role (poll intervals, batch sizes...)."""
    roles: tuple[str, ...] = FRAUDD_ROLES
    """The fraudd roles started besides the producer (without ``actions``: no SNS traffic)."""
    profile_dir: Path | None = None
    """If set, py-spy samples every fraudd process through the window (raw stacks there)."""


@dataclass
class Snapshot:
    at: float
    cpu: dict[str, float]


def _cpu(roles: Roles, stack: Stack) -> Snapshot:
    cpu = {name: cpu_seconds(pid) for name, pid in roles.pids().items()}
    for name, pid in stack.pids().items():
        cpu[name] = tree_cpu_seconds(pid) if name == "postgres" else cpu_seconds(pid)
    cpu["machine"] = machine_busy_seconds()
    return Snapshot(time.time(), cpu)


async def fresh_env(stack: Stack, template: Template, shards: int) -> LocalEnvironment:
    """A new stream, topic and schema holding a copy of the template."""
    env = await environment(stack, shards)
    await clone(template, env.settings)
    return env


async def run_fixed_rate(
    stack: Stack, template: Template, config: RunConfig, workdir: Path
) -> dict[str, Any]:
    """Run the loop at ``config.rate`` and return its figures."""
    env = await fresh_env(stack, template, config.shards)
    settings = env.settings
    toml = write_config(settings, workdir / "fraudd.toml", **config.sections)
    roles = Roles(workdir)
    try:
        for role in config.roles:
            roles.start_fraudd(role, toml)
        for role in config.roles:
            wait_for_log(roles.running[role], "daemon.started")
        total_s = config.warmup_s + config.window_s + PRODUCE_PAST_WINDOW_S
        summary_path = workdir / "producer.json"
        producer = roles.start(
            "producer",
            [
                sys.executable, "-m", "bench.produce", str(toml), "--rate", str(config.rate),
                "--seconds", str(total_s), "--out", str(summary_path),
            ],
        )
        wait_for_log(producer, FIRST_SENT)
        await asyncio.sleep(config.warmup_s)
        await _next_second()
        start = _cpu(roles, stack)
        spies = _profile(roles, config) if config.profile_dir else []
        await _watch(roles, config.window_s)
        for spy in spies:
            spy.wait(30)
        end = _cpu(roles, stack)
        rss = {name: peak_rss_mib(pid) for name, pid in roles.pids().items()}
        await _wait_producer(roles, summary_path, config)
        drained = await measure.drain(settings, summary_path, DRAIN_TIMEOUT_S)
        return await measure.figures(
            settings, config, summary_path, (start.at, end.at), _delta(start, end), rss, drained
        ) | {"logs": {n: str(r.log_path) for n, r in roles.running.items()}}
    finally:
        roles.stop_all()
        await remove_environment(env)


def _profile(roles: Roles, config: RunConfig) -> list[subprocess.Popen[bytes]]:
    """py-spy on each role for the window (sampling from outside: the code is not touched)."""
    assert config.profile_dir is not None
    config.profile_dir.mkdir(parents=True, exist_ok=True)
    spy = str(Path(sys.executable).with_name("py-spy"))
    return [
        subprocess.Popen(
            [spy, "record", "--pid", str(pid), "--duration", str(int(config.window_s)),
             "--rate", "100", "--format", "raw", "--nonblocking",
             "--output", str(config.profile_dir / f"{name}.txt")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for name, pid in roles.pids().items()
    ]


async def _next_second() -> None:
    await asyncio.sleep(1.0 - (time.time() % 1.0))


async def _watch(roles: Roles, seconds: float) -> None:
    """Sleep through the window, failing fast if a role dies."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        await asyncio.sleep(min(1.0, left))
        roles.check_alive()


async def _wait_producer(roles: Roles, summary: Path, config: RunConfig) -> None:
    """Let the producer send what it owes (it may be behind at high rates), then stop it."""
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    producer = roles.running["producer"]
    # A child process has no awaitable exit here: poll it.
    while producer.process.poll() is None and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.2)
    if producer.process.poll() is None:
        roles.stop("producer")
    _check_summary(summary, producer.log_path)


def _check_summary(summary: Path, log_path: Path) -> None:
    if not summary.is_file():
        tail = log_path.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"producer wrote no summary:\n{tail}")


def _delta(start: Snapshot, end: Snapshot) -> dict[str, float]:
    return {
        name: round(end.cpu[name] - start.cpu.get(name, 0.0), 3)
        for name in end.cpu
    }
