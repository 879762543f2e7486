"""Every failure is one line on stderr saying what is wrong and what to do, never a traceback,
with a non-zero exit code (78 for configuration). Each case runs the real ``fraudd`` process."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from fraudd.cli.errors import EX_FAILED, EX_UNAVAILABLE, EX_USAGE
from fraudd.localstack import StackInfo
from fraudd.settings import EX_CONFIG, Settings
from tests.cli.conftest import one_line, run_fraudd, stack_env
from tests.conftest import free_ports


@pytest.fixture
def held_port() -> Iterator[int]:
    """A port another program listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.fixture
def kinesis_port_held(held_port: int, tmp_path: Path) -> dict[str, str]:
    """Settings for a local stack (state under ``tmp_path``) whose Kinesis port is taken."""
    moto, postgres = free_ports(2)
    return {
        "FRAUDD_LOCAL__STATE_DIR": str(tmp_path / "state"),
        "FRAUDD_LOCAL__KINESIS_PORT": str(held_port),
        "FRAUDD_LOCAL__MOTO_PORT": str(moto),
        "FRAUDD_LOCAL__POSTGRES_PORT": str(postgres),
    }


@pytest.fixture
def unreachable() -> dict[str, str]:
    """Settings for a warehouse on a free port (nothing listens), given up on after 2 s."""
    (port,) = free_ports(1)
    return {"FRAUDD_WAREHOUSE__PORT": str(port), "FRAUDD_WAREHOUSE__CONNECT_TIMEOUT_S": "2"}


def test_local_up_with_a_port_in_use_names_the_port_the_setting_and_how_to_stop_it(
    held_port: int, kinesis_port_held: dict[str, str], tmp_path: Path
) -> None:
    env = kinesis_port_held
    done = run_fraudd("local", "up", env=env, cwd=tmp_path)
    line = one_line(done)
    assert done.returncode == EX_UNAVAILABLE
    assert f"port {held_port} is in use" in line and "local.kinesis_port" in line
    assert "FRAUDD_LOCAL__KINESIS_PORT" in line and "`fraudd local down`" in line


def test_demo_with_another_stack_on_its_port_is_one_line(
    held_port: int, kinesis_port_held: dict[str, str], tmp_path: Path
) -> None:
    env = kinesis_port_held
    done = run_fraudd("demo", "--seconds", "5", "--json", env=env, cwd=tmp_path)
    assert done.returncode == EX_UNAVAILABLE and f"port {held_port} is in use" in one_line(done)


def test_local_up_with_an_empty_password_is_a_configuration_error(tmp_path: Path) -> None:
    config = tmp_path / "fraudd.toml"
    config.write_text('[warehouse]\npassword = ""\n')
    done = run_fraudd("--config", str(config), "local", "up", cwd=tmp_path)
    line = one_line(done)
    assert done.returncode == EX_CONFIG and "warehouse.password" in line


def test_evaluate_on_an_empty_schema_says_to_migrate(
    local_stack: tuple[Settings, StackInfo], schema: str
) -> None:
    done = run_fraudd(
        "evaluate", "--test-start", "2018-08-08", env=stack_env(local_stack[0], schema)
    )
    line = one_line(done)
    assert done.returncode == EX_FAILED
    assert f"{schema} is not set up" in line and "run `fraudd migrate`" in line


def test_an_unreachable_warehouse(tmp_path: Path, unreachable: dict[str, str]) -> None:
    env, port = unreachable, unreachable["FRAUDD_WAREHOUSE__PORT"]
    done = run_fraudd("migrate", env=env, cwd=tmp_path)
    line = one_line(done)
    assert done.returncode == EX_UNAVAILABLE
    assert f"cannot connect to 127.0.0.1:{port}" in line and "`fraudd local up`" in line


def test_without_any_configuration_the_line_says_how_to_reach_the_local_stack(
    tmp_path: Path,
) -> None:
    done = run_fraudd("migrate", cwd=tmp_path)
    line = one_line(done)  # whatever answers on 5432 here, one line
    assert done.returncode != 0
    if done.returncode == EX_UNAVAILABLE:
        assert "no configuration given" in line and "--config config/local.toml" in line


def test_the_metrics_port_in_use(
    local_stack: tuple[Settings, StackInfo], schema: str, held_port: int
) -> None:
    env = stack_env(local_stack[0], schema) | {"FRAUDD_HTTP__PORT": str(held_port)}
    assert run_fraudd("migrate", env=env).returncode == 0
    done = run_fraudd("run", "--roles", "consumer", env=env, timeout=60)
    line = one_line(done)
    assert done.returncode == EX_UNAVAILABLE
    assert f"port {held_port}" in line and "http.port" in line


def test_debug_shows_the_traceback_and_still_ends_with_the_line(
    tmp_path: Path, unreachable: dict[str, str]
) -> None:
    env = unreachable
    for args, extra in ((("--debug", "migrate"), {}), (("migrate",), {"FRAUDD_DEBUG": "1"})):
        done = run_fraudd(*args, env=env | extra, cwd=tmp_path)
        assert done.returncode == EX_UNAVAILABLE
        assert "Traceback" in done.stderr
        assert done.stderr.strip().splitlines()[-1].startswith("fraudd: warehouse: cannot connect")


def test_a_usage_error_is_one_line() -> None:
    done = run_fraudd("train", "--train-days", "many")
    assert done.returncode == EX_USAGE
    assert "--train-days" in one_line(done) and "fraudd train --help" in one_line(done)
