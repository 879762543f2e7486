"""Shared fixtures of the test suite."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import structlog
from pydantic import SecretStr

from fraudd import localstack
from fraudd.localstack import StackInfo
from fraudd.settings import LocalStackSettings, Settings, WarehouseSettings
from fraudd.warehouse import opened_warehouse

# tests.deploy.aws_calls records every AWS call fraudd's clients make in this session and, at its
# end, fails the session if deploy/aws/fraudd.yaml does not allow one
# (tests/deploy/test_permissions.py). tests.redshift.plugin gives the --redshift-isolation
# option, the parameters and the redshift marker; tests.redshift.mode, Redshift mode's
# fixtures. One assignment: a second one replaces the first, and the permission check silently
# stopped running that way once.
pytest_plugins = ["tests.deploy.aws_calls", "tests.redshift.plugin", "tests.redshift.mode"]

# --- Local stack ------------------------------------------------------------------------------
# A whole local stack (kinesalite, moto server, PostgreSQL) for the session, on a temporary state
# directory and on ports the kernel reports free, so it never clashes with a developer's own
# `fraudd local up` (default ports, `.fraudd/`). It is purged at the end of the session.

LOCAL_STACK_PASSWORD = "fraudd-test-password"


@pytest.fixture(autouse=True)
def process_logging_restored(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A test that configures logging for the process (an in-process CLI run, tests/test_logs.py)
    leaves it as it found it: structlog's configuration and the root logger's handlers and level
    come back, and no logger is cached with the test's configuration (a cached one would keep
    writing to the test's closed stream, and later ``capture_logs()`` would not see it)."""
    configure = structlog.configure

    def without_caching(*args: object, **kwargs: object) -> None:
        configure(*args, **{**kwargs, "cache_logger_on_first_use": False})  # type: ignore[arg-type]

    monkeypatch.setattr(structlog, "configure", without_caching)
    config, root = structlog.get_config(), logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    configure(**config)
    root.handlers[:], root.level = handlers, level
    logging.captureWarnings(False)


async def drop_schemas(settings: Settings, *names: str) -> None:
    """Drop each schema named, if it exists, with everything in it (a test's clean-up)."""
    async with opened_warehouse(settings) as wh:
        async with wh.acquire() as conn:
            for name in names:
                await conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def free_ports(count: int) -> list[int]:
    """Ports that were free a moment ago (all sockets are held until every port is chosen)."""
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


def local_stack_base_settings(state_dir: Path) -> Settings:
    """Settings for a stack of its own under ``state_dir``, on fresh free ports."""
    kinesis_port, moto_port, postgres_port = free_ports(3)
    return Settings(
        local=LocalStackSettings(
            state_dir=state_dir,
            kinesis_port=kinesis_port,
            moto_port=moto_port,
            postgres_port=postgres_port,
        ),
        warehouse=WarehouseSettings(password=SecretStr(LOCAL_STACK_PASSWORD), sslmode="disable"),
    )


@pytest.fixture(scope="session")
def local_stack_settings_factory() -> Callable[[Path], Settings]:
    """Make settings for an extra, private stack (tests of the stack itself use it)."""
    return local_stack_base_settings


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, StackInfo]]:
    """``(settings, info)`` of a running local stack; the settings already point at it."""
    base = local_stack_base_settings(tmp_path_factory.mktemp("local-stack"))
    info = localstack.up(base)
    try:
        yield localstack.stack_settings(base, info), info
    finally:
        localstack.down(base, purge=True)
