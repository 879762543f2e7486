"""What every scenario shares: the machine description, result files, and the local stack.

Each scenario writes ``bench/results/<scenario>.json``: the command that produced it, the
machine, the versions, the parameters, the figures and each target with its verdict. The README
table is rendered from these files (:mod:`bench.table`), so the two cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shlex
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from fraudd import localstack
from fraudd.localstack import StackInfo
from fraudd.localstack import state as local_state
from fraudd.localstack.environment import (
    LocalEnvironment,
    SchemaPlan,
    create_environment,
    isolated_settings,
)
from fraudd.settings import LocalStackSettings, Settings, WarehouseSettings
from fraudd.warehouse import opened_warehouse

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
PASSWORD = "fraudd-bench"
PACKAGES = (
    "fraudd",
    "psycopg",
    "psycopg-binary",
    "aiobotocore",
    "botocore",
    "pydantic",
    "numpy",
    "pandas",
    "xgboost-cpu",
    "moto",
    "structlog",
    "lark",
)


@dataclass(frozen=True)
class Target:
    """One target of the issue: what was asked, what was measured, and whether it was met."""

    name: str
    wanted: str
    measured: float | None
    met: bool | None
    note: str = ""


@dataclass
class Result:
    """Everything one scenario publishes."""

    scenario: str
    parameters: dict[str, Any]
    figures: dict[str, Any]
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def machine() -> dict[str, Any]:
    """CPU, memory and OS of this machine."""
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(mem_kb / 2**20, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
    }


def versions(postgres_version: str | None = None) -> dict[str, Any]:
    """Versions of the packages, the emulators and the code under test."""
    found: dict[str, Any] = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    kinesalite = ROOT / "fraudd/localstack/node/node_modules/kinesalite/package.json"
    if kinesalite.is_file():
        found["kinesalite"] = json.loads(kinesalite.read_text())["version"]
    found["node"] = _output(["node", "--version"])
    found["postgresql"] = postgres_version
    found["git_commit"] = _output(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = _output(["git", "-C", str(ROOT), "status", "--porcelain", "--", "fraudd"])
    found["git_dirty"] = bool(dirty)
    return found


def _output(argv: list[str]) -> str | None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=10)
    except OSError:
        return None
    return done.stdout.strip() or None


def command_line() -> str:
    """The command that is running, as a user would type it."""
    args = " ".join(shlex.quote(a) for a in sys.argv[1:])
    return f"python -m bench {args}".strip()


def write_result(result: Result, started: dt.datetime, postgres_version: str | None) -> Path:
    """Write ``bench/results/<scenario>.json`` (atomically) and return its path."""
    RESULTS_DIR.mkdir(exist_ok=True)
    payload = {
        "scenario": result.scenario,
        "command": command_line(),
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions(postgres_version),
        "parameters": result.parameters,
        "figures": result.figures,
        "targets": [asdict(t) for t in result.targets],
        "notes": result.notes,
    }
    path = RESULTS_DIR / f"{result.scenario}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    tmp.replace(path)
    return path


def free_ports(count: int) -> list[int]:
    """Ports the kernel reported free (all held until every one is chosen)."""
    with ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in socks]


@dataclass(frozen=True)
class Stack:
    """A running local stack of the benchmark's own: settings pointing at it, and its PIDs."""

    settings: Settings
    info: StackInfo

    def pids(self) -> dict[str, int]:
        """PIDs of kinesalite, moto and the PostgreSQL postmaster."""
        current = local_state.load(self.info.state_dir)
        out = {}
        for name in ("kinesis", "moto", "postgres"):
            component = getattr(current, name)
            if component is not None and component.process is not None:
                out[name] = component.process.pid
        return out

    async def postgres_version(self) -> str:
        async with opened_warehouse(self.settings) as wh, wh.acquire() as conn:
            return str(await conn.fetchval("SHOW server_version"))


@contextmanager
def local_stack() -> Iterator[Stack]:
    """Kinesalite, moto and PostgreSQL on free ports under a temporary directory; purged after."""
    with tempfile.TemporaryDirectory(prefix="fraudd-bench-") as tmp:
        kinesis_port, moto_port, postgres_port = free_ports(3)
        base = Settings(
            local=LocalStackSettings(
                state_dir=Path(tmp),
                kinesis_port=kinesis_port,
                moto_port=moto_port,
                postgres_port=postgres_port,
            ),
            warehouse=WarehouseSettings(password=SecretStr(PASSWORD), sslmode="disable"),
            log_level="warning",
        )
        info = localstack.up(base)
        try:
            yield Stack(localstack.stack_settings(base, info), info)
        finally:
            localstack.down(base, purge=True)


def isolated(stack: Stack, shards: int, **sections: Any) -> Settings:
    """Names of a benchmark's own (stream with ``shards`` shards, topic, queue, schema), from the
    product's builder (:func:`fraudd.localstack.environment.isolated_settings`)."""
    sections = {"http": {"port": 0}, **sections}
    return isolated_settings(stack.settings, "bench", shards=shards, **sections)


async def environment(
    stack: Stack, shards: int, *, stream: bool = True, schema: SchemaPlan | None = None,
    **sections: Any,
) -> LocalEnvironment:  # fmt: skip
    """A benchmark's environment, built by the product's builder (migrated unless ``schema``).

    No SQS queue is subscribed to the topic: nothing would read it, and moto recounts every
    stored message of a queue on each delivery (``Queue.attributes``), so an unread subscribed
    queue makes each PublishBatch slower as it fills — measured 195 ms per batch of 10 at 1,000
    queued messages and 1.7 s at 6,000, against 4–5 ms with no subscriber. On AWS the fan-out
    costs the publisher nothing; fraudd's part (PublishBatch accepted) is the same either way.
    """
    settings = isolated(stack, shards, **sections)
    return await create_environment(settings, stream=stream, queue=False, schema=schema)
