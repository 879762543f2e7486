"""The state directory of the local stack and ``stack.json``, the record of what ``up`` started.

``stack.json`` holds PIDs (as :class:`~fraudd.localstack.process.ProcessRef`), ports, endpoints
and the names of the created resources. It never holds a password. Every ``up`` and ``down``
holds an exclusive lock on the state directory so two of them cannot interleave.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

import structlog
from pydantic import BaseModel, ValidationError

from fraudd.localstack.process import ProcessRef
from fraudd.settings import Settings

log = structlog.get_logger(__name__)

STATE_FILE = "stack.json"
LOCK_FILE = ".lock"


class Record(BaseModel):
    """A record of ``stack.json``; variants are made with :meth:`replace`, validated again."""

    def replace(self, **changes: Any) -> Self:
        """This record with ``changes``, validated again (pydantic's model_copy would not)."""
        return self.model_validate({**dict(self), **changes})


class ComponentState(Record):
    """One started server: its process and where it listens."""

    process: ProcessRef | None = None
    port: int
    endpoint: str


class PostgresState(ComponentState):
    """PostgreSQL also records where its cluster lives (maybe outside the state directory)."""

    pg_root: Path
    bindir: Path
    dsn: str


class StackState(Record):
    """Everything ``up`` started and created; what ``down`` and ``status`` read back."""

    state_dir: Path
    kinesis: ComponentState | None = None
    moto: ComponentState | None = None
    postgres: PostgresState | None = None
    stream_name: str | None = None
    topic_arn: str | None = None
    queue_url: str | None = None


def state_dir(settings: Settings) -> Path:
    """The absolute state directory: relative paths are taken from the current directory."""
    return settings.local.state_dir.expanduser().resolve()


def load(directory: Path) -> StackState:
    """Read ``stack.json``; a missing or unreadable file means nothing is recorded."""
    path = directory / STATE_FILE
    try:
        return StackState.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        return StackState(state_dir=directory)
    except (OSError, ValidationError) as exc:
        log.warning("stack.state_unreadable", path=str(path), error=str(exc).splitlines()[0])
        return StackState(state_dir=directory)


def save(state: StackState) -> None:
    """Write ``stack.json`` atomically, so a crash never leaves half a file."""
    path = state.state_dir / STATE_FILE
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(state.model_dump(mode="json"), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


@contextmanager
def locked(directory: Path) -> Iterator[None]:
    """Hold the state directory's lock (creating the directory) for the ``with`` block."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / LOCK_FILE).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
