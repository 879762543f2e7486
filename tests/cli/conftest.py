"""Running ``fraudd`` as a user would, with an environment of the test's choosing: the real
``python -m fraudd`` process (:func:`run_fraudd`), or its entry point in this process
(:func:`invoke`, for commands that need no daemon: ten times faster)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path

import pytest

from fraudd.cli import errors, main
from fraudd.localstack import StackInfo
from fraudd.settings import Settings
from tests.cases.conftest import (  # noqa: F401  (fixtures: test_cases.py runs on seeded schemas)
    cases_env,
    pg_cluster,
    seeded,
    settings_for,
    shim,
)
from tests.conftest import drop_schemas


def environ_without_fraudd() -> dict[str, str]:
    """This process's environment without any FRAUDD_* variable (no config leaks in)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("FRAUDD_")}


def run_fraudd(
    *args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None, timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    """``python -m fraudd *args`` with no FRAUDD_* variable but those in ``env``."""
    return subprocess.run(
        [sys.executable, "-m", "fraudd", *args],
        env=environ_without_fraudd() | dict(env or {}),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
async def schema(local_stack: tuple[Settings, StackInfo]) -> AsyncIterator[str]:
    """A schema name of the test's own (not created); dropped afterwards if a test made it."""
    name = f"cli_{uuid.uuid4().hex[:10]}"
    yield name
    await drop_schemas(local_stack[0], name)


Invoke = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def invoke(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Invoke:
    """``invoke(*args, env=None)``: ``fraudd *args`` through its console-script entry point
    (:func:`fraudd.cli.main`) in this process, with no FRAUDD_* variable but those in ``env``;
    its exit code, stdout and stderr as a CompletedProcess."""

    def run(*args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        with monkeypatch.context() as patch:
            for name in [k for k in os.environ if k.startswith("FRAUDD_")]:
                patch.delenv(name)
            for name, value in (env or {}).items():
                patch.setenv(name, value)
            patch.setattr(sys, "argv", ["fraudd", *args])
            patch.setattr(errors, "CONTEXT", errors.Context())  # what one process starts with
            capsys.readouterr()
            try:
                main()
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            out, err = capsys.readouterr()
        return subprocess.CompletedProcess(["fraudd", *args], code, out, err)

    return run


def warehouse_env(settings: Settings, schema: str | None = None) -> dict[str, str]:
    """FRAUDD_* variables that point a command at the test's warehouse and ``schema``."""
    wh = settings.warehouse
    return {
        "FRAUDD_WAREHOUSE__HOST": wh.host,
        "FRAUDD_WAREHOUSE__PORT": str(wh.port),
        "FRAUDD_WAREHOUSE__PASSWORD": wh.password.get_secret_value(),
        "FRAUDD_WAREHOUSE__SSLMODE": wh.sslmode,
        "FRAUDD_WAREHOUSE__SCHEMA": schema or wh.schema_name,
    }


def stack_env(settings: Settings, schema: str | None = None) -> dict[str, str]:
    """FRAUDD_* variables that point a command at the test's local stack (no config file)."""
    local = settings.local
    env = warehouse_env(settings, schema) | {
        "FRAUDD_LOCAL__STATE_DIR": str(local.state_dir),
        "FRAUDD_LOCAL__KINESIS_PORT": str(local.kinesis_port),
        "FRAUDD_LOCAL__MOTO_PORT": str(local.moto_port),
        "FRAUDD_LOCAL__POSTGRES_PORT": str(local.postgres_port),
        "FRAUDD_KINESIS__ENDPOINT_URL": settings.kinesis.endpoint_url or "",
        "FRAUDD_SNS__ENDPOINT_URL": settings.sns.endpoint_url or "",
        "FRAUDD_SQS__ENDPOINT_URL": settings.sqs.endpoint_url or "",
        "FRAUDD_AWS__ACCESS_KEY_ID": "local",
        "FRAUDD_AWS__SECRET_ACCESS_KEY": "local",
        "FRAUDD_LOG_LEVEL": "warning",
    }
    return env


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    """The single line a failing command printed on stderr (asserting it is one, no traceback)."""
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert "Traceback" not in done.stderr, done.stderr
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("fraudd: "), lines[0]
    return lines[0]
