"""Kinesis: kinesalite (npm, pinned by ``node/package-lock.json``) on 127.0.0.1, and the stream.

The launcher, ``package.json``, the lock and ``.npmrc`` are package data (``localstack/node``);
``node_modules`` is not: it is installed with ``npm ci`` on first use. A checkout's
``make install`` puts it beside the launcher; an installed wheel (whose site-packages may be
read-only) gets a copy of the four files under ``<local.state_dir>/node/`` and installs there.
The optional native LevelDB backend is skipped because the stack keeps streams in memory.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import structlog
from botocore.exceptions import BotoCoreError, ClientError

from fraudd.localstack import process
from fraudd.localstack.errors import LocalStackError
from fraudd.localstack.process import LOOPBACK, ProcessRef

log = structlog.get_logger(__name__)

NODE_DIR = Path(__file__).resolve().parent / "node"
NODE_FILES = ("launcher.js", "package.json", "package-lock.json", ".npmrc")
NPM_CI = ("ci", "--omit=optional", "--ignore-scripts", "--no-audit", "--no-fund")
START_TIMEOUT_S = 30.0
ACTIVE_TIMEOUT_S = 30.0


def endpoint(port: int) -> str:
    """The URL kinesalite answers on."""
    return f"http://{LOOPBACK}:{port}"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise LocalStackError(f"'{name}' not found on PATH: install Node.js (>= 18) with npm")
    return path


def node_home(state_dir: Path) -> Path:
    """Where kinesalite runs from: the package's ``node/`` if its modules are installed there,
    else ``<state_dir>/node`` (the packaged files are copied in; refreshed when they change)."""
    if _installed(NODE_DIR):
        return NODE_DIR
    home = state_dir / "node"
    home.mkdir(parents=True, exist_ok=True)
    for name in NODE_FILES:
        source, target = NODE_DIR / name, home / name
        if not target.is_file() or target.read_bytes() != source.read_bytes():
            shutil.copyfile(source, target)
            if name == "package-lock.json":
                shutil.rmtree(home / "node_modules", ignore_errors=True)
    return home


def ensure_node_modules(home: Path = NODE_DIR) -> None:
    """Install the locked npm packages into ``home/node_modules`` unless already there."""
    if _installed(home):
        return
    npm = _tool("npm")
    # Two concurrent `up`s (e.g. parallel test sessions) must not run npm in the same dir:
    # lock the directory itself, so no lock file is left in the source tree.
    descriptor = os.open(home, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        if _installed(home):
            return
        started = time.monotonic()
        result = subprocess.run(
            [npm, *NPM_CI], cwd=home, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise LocalStackError(f"npm ci failed in {home}:\n{result.stderr[-2000:]}")
        log.info("kinesalite.installed", seconds=round(time.monotonic() - started, 1), at=str(home))
    finally:
        os.close(descriptor)


def _installed(home: Path) -> bool:
    return (home / "node_modules" / "kinesalite" / "package.json").is_file()


def start(port: int, log_path: Path, state_dir: Path) -> ProcessRef:
    """Start kinesalite on 127.0.0.1:``port`` in the background; return its reference."""
    home = node_home(state_dir)
    ensure_node_modules(home)
    argv = [_tool("node"), str(home / "launcher.js"), str(port), LOOPBACK]
    ref = process.spawn(argv, log_path, cwd=home)
    log.info("kinesalite.started", pid=ref.pid, port=port)
    return ref


def healthy(kinesis: Any) -> bool:
    """True if kinesalite answers an API call."""
    try:
        kinesis.list_streams(Limit=1)
    except (BotoCoreError, ClientError):
        return False
    return True


def _describe(kinesis: Any, name: str) -> dict[str, Any] | None:
    try:
        summary: dict[str, Any] = kinesis.describe_stream_summary(StreamName=name)
    except kinesis.exceptions.ResourceNotFoundException:
        return None
    return summary["StreamDescriptionSummary"]


def ensure_stream(kinesis: Any, name: str, shard_count: int) -> None:
    """Create the stream unless it exists, and wait until it is ACTIVE."""
    found = _describe(kinesis, name)
    if found is None:
        kinesis.create_stream(StreamName=name, ShardCount=shard_count)
        log.info("kinesis.stream_created", stream=name, shards=shard_count)
    elif found["OpenShardCount"] != shard_count:
        log.warning(
            "kinesis.shard_count_differs",
            stream=name,
            open_shards=found["OpenShardCount"],
            configured=shard_count,
        )
    deadline = time.monotonic() + ACTIVE_TIMEOUT_S
    while (found := _describe(kinesis, name)) is None or found["StreamStatus"] != "ACTIVE":
        if time.monotonic() > deadline:
            raise LocalStackError(f"Kinesis stream {name} not ACTIVE after {ACTIVE_TIMEOUT_S}s")
        time.sleep(0.05)
