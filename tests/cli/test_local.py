"""``fraudd local up | down | status`` (fraudd.cli.local): the local profile by default, what
each prints (lines, or JSON with ``--json``), and ``status``'s exit code."""

from __future__ import annotations

import json
from pathlib import Path

from fraudd.localstack import StackInfo
from fraudd.settings import Settings
from tests.cli.conftest import Invoke, run_fraudd, stack_env
from tests.conftest import free_ports


def test_local_up_without_configuration_uses_the_local_profile(tmp_path: Path) -> None:
    """No --config and no FRAUDD_CONFIG: the local profile's password and names apply (only the
    ports and state directory are moved off the defaults, as other stacks may use them)."""
    kinesis, moto, postgres = free_ports(3)
    env = {
        "FRAUDD_LOCAL__STATE_DIR": str(tmp_path / "state"),
        "FRAUDD_LOCAL__KINESIS_PORT": str(kinesis),
        "FRAUDD_LOCAL__MOTO_PORT": str(moto),
        "FRAUDD_LOCAL__POSTGRES_PORT": str(postgres),
    }
    try:
        done = run_fraudd("local", "up", env=env, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert f"PostgreSQL  127.0.0.1:{postgres}" in done.stdout
        assert "--config config/local.toml" in done.stdout
    finally:
        run_fraudd("local", "down", "--purge", env=env, cwd=tmp_path)


def test_status_of_a_running_stack_is_json_and_exit_0(
    invoke: Invoke, local_stack: tuple[Settings, StackInfo]
) -> None:
    settings, info = local_stack
    done = invoke("local", "status", env=stack_env(settings))
    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)
    assert sorted(status) == ["kinesis", "moto", "postgres"]
    assert all(s["running"] is True and isinstance(s["pid"], int) for s in status.values())
    assert status["kinesis"]["endpoint"] == info.kinesis_endpoint


def test_status_of_a_stack_never_started_is_exit_3(invoke: Invoke, tmp_path: Path) -> None:
    done = invoke("local", "status", env={"FRAUDD_LOCAL__STATE_DIR": str(tmp_path / "none")})
    assert done.returncode == 3
    stopped = {"running": False, "endpoint": None, "pid": None}
    assert json.loads(done.stdout) == dict.fromkeys(("kinesis", "moto", "postgres"), stopped)


def test_up_on_a_running_stack_keeps_it_and_says_where_it_is(
    invoke: Invoke, local_stack: tuple[Settings, StackInfo]
) -> None:
    settings, info = local_stack
    as_json = invoke("local", "up", "--json", env=stack_env(settings))
    assert as_json.returncode == 0, as_json.stderr
    shown = json.loads(as_json.stdout)
    assert shown["postgres_port"] == info.postgres_port  # a number, not "54329"
    assert shown["kinesis_endpoint"] == info.kinesis_endpoint
    assert Path(shown["state_dir"]) == Path(info.state_dir)
    lines = invoke("local", "up", env=stack_env(settings))
    assert lines.returncode == 0, lines.stderr
    assert f"  PostgreSQL  {info.postgres_host}:{info.postgres_port}\n" in lines.stdout
    assert f"stream {info.stream_name}" in lines.stdout and "`fraudd local down`" in lines.stdout


def test_down_of_a_stack_never_started_is_a_no_op(invoke: Invoke, tmp_path: Path) -> None:
    env = {"FRAUDD_LOCAL__STATE_DIR": str(tmp_path / "none")}
    done = invoke("local", "down", env=env)
    assert (done.returncode, done.stdout) == (0, "local stack stopped\n")
    purged = invoke("local", "down", "--purge", env=env)
    assert (purged.returncode, purged.stdout) == (0, "local stack stopped and purged\n")
    assert not (tmp_path / "none").exists()
