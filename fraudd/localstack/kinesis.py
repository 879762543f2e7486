"""Kinesis: kinesalite (npm, pinned by ``node/package-lock.json``) on 127.0.0.1, and the stream.

``node_modules`` is not in the repository: it is installed with ``npm ci`` on first use. The
optional native LevelDB backend is skipped because the stack keeps streams in memory.
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
LAUNCHER = NODE_DIR / "launcher.js"
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


def ensure_node_modules() -> None:
    """Install the locked npm packages into ``node/node_modules`` unless already there."""
    if _installed():
        return
    npm = _tool("npm")
    # Two concurrent `up`s (e.g. parallel test sessions) must not run npm in the same dir:
    # lock the directory itself, so no lock file is left in the source tree.
    descriptor = os.open(NODE_DIR, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        if _installed():
            return
        started = time.monotonic()
        result = subprocess.run(
            [npm, *NPM_CI], cwd=NODE_DIR, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise LocalStackError(f"npm ci failed in {NODE_DIR}:\n{result.stderr[-2000:]}")
        log.info("kinesalite.installed", seconds=round(time.monotonic() - started, 1))
    finally:
        os.close(descriptor)


def _installed() -> bool:
    return (NODE_DIR / "node_modules" / "kinesalite" / "package.json").is_file()


def start(port: int, log_path: Path) -> ProcessRef:
    """Start kinesalite on 127.0.0.1:``port`` in the background; return its reference."""
    ensure_node_modules()
    argv = [_tool("node"), str(LAUNCHER), str(port), LOOPBACK]
    ref = process.spawn(argv, log_path, cwd=NODE_DIR)
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
