"""What every command shares (fraudd.cli.app): the global options, settings loading with the
local profile as the default of ``local`` and ``demo``, and the role and instance options —
each bad value one line and exit 78, checked before anything starts."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import pytest

from fraudd.cli import errors
from fraudd.cli.app import Globals, configuration_given, parse_instance, settings_from
from fraudd.settings import EX_CONFIG, KNOWN_ROLES
from tests.cli.conftest import Invoke, one_line


def test_unknown_or_no_roles_are_one_line_naming_the_choices(invoke: Invoke) -> None:
    choices = f"choose from {','.join(KNOWN_ROLES)}"
    unknown = invoke("run", "--roles", "producer,bogus")
    assert unknown.returncode == EX_CONFIG
    assert one_line(unknown) == (
        f"fraudd: invalid configuration: roles: unknown role(s) ['bogus']; {choices}"
    )
    empty = invoke("run", "--roles", " , ")
    assert empty.returncode == EX_CONFIG
    assert one_line(empty) == f"fraudd: invalid configuration: roles: no role given; {choices}"


def test_an_instance_is_i_of_n() -> None:
    assert parse_instance("1-of-4") == {"instance_index": 1, "instance_count": 4}
    assert parse_instance("0-of-1") == {"instance_index": 0, "instance_count": 1}


@pytest.mark.parametrize(
    ("instance", "said"),
    [
        ("3", "--instance: expected I-of-N, e.g. 0-of-2"),
        ("1-of-", "--instance: expected I-of-N, e.g. 0-of-2"),
        ("2-of-2", "consumer.instance_index: must be below consumer.instance_count"),
    ],
)
def test_a_bad_instance_stops_the_daemon_before_it_starts(
    invoke: Invoke, instance: str, said: str
) -> None:
    done = invoke("run", "--instance", instance)
    assert done.returncode == EX_CONFIG
    assert one_line(done).startswith(f"fraudd: invalid configuration: {said}")


def test_a_bad_setting_in_the_file_or_the_environment_names_the_key(
    invoke: Invoke, tmp_path: Path
) -> None:
    config = tmp_path / "fraudd.toml"
    config.write_text('[warehouse]\nport = "many"\n')
    in_file = invoke("--config", str(config), "config", "show")
    assert in_file.returncode == EX_CONFIG and "warehouse.port" in one_line(in_file)
    assert in_file.stdout == ""
    in_env = invoke("config", "show", env={"FRAUDD_WAREHOUSE__PORT": "many"})
    assert in_env.returncode == EX_CONFIG and "warehouse.port" in one_line(in_env)


def test_log_format_is_a_global_option(invoke: Invoke) -> None:
    shown = invoke("--log-format", "json", "config", "show")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["log_format"] == "json"
    bad = invoke("--log-format", "xml", "config", "show")
    assert bad.returncode == EX_CONFIG and "log_format" in one_line(bad)


def test_what_counts_as_configuration_given(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FRAUDD_CONFIG", "FRAUDD_WAREHOUSE__HOST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FRAUDD_DEBUG", "1")  # how to run, not what to run against
    monkeypatch.setenv("FRAUDD_LOG_LEVEL", "warning")
    monkeypatch.setenv("FRAUDD_LOG_FORMAT", "json")
    assert not configuration_given(None)
    assert configuration_given(Path("fraudd.toml"))
    monkeypatch.setenv("FRAUDD_WAREHOUSE__HOST", "db.example")
    assert configuration_given(None)
    monkeypatch.delenv("FRAUDD_WAREHOUSE__HOST")
    monkeypatch.setenv("FRAUDD_CONFIG", "/etc/fraudd/fraudd.toml")
    assert configuration_given(None)


def _context(config: Path | None = None) -> click.Context:
    return click.Context(click.Command("test"), obj=Globals(config))


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No FRAUDD_* variable, and the error context a fresh process has."""
    import os

    for name in [k for k in os.environ if k.startswith("FRAUDD_")]:
        monkeypatch.delenv(name)
    monkeypatch.setattr(errors, "CONTEXT", errors.Context())
    return monkeypatch


def test_the_local_profile_is_the_default_only_where_asked_for(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    local = settings_from(_context(), local_default=True)  # type: ignore[arg-type]
    assert local.profile == "local" and local.warehouse.password.get_secret_value() == (
        "fraudd-local"
    )
    assert errors.CONTEXT.config_given and errors.CONTEXT.settings is local
    assert settings_from(_context()).warehouse.port != local.warehouse.port  # type: ignore[arg-type]
    clean_env.setenv("FRAUDD_WAREHOUSE__PORT", "15432")  # variables still override the profile
    assert settings_from(_context(), local_default=True).warehouse.port == 15432  # type: ignore[arg-type]
    own = tmp_path / "own.toml"
    own.write_text('[warehouse]\npassword = "mine"\n')
    for ctx in (_context(own), _context()):
        if ctx.obj.config is None:
            clean_env.setenv("FRAUDD_CONFIG", str(own))
        chosen = settings_from(ctx, local_default=True)  # type: ignore[arg-type]
        assert chosen.warehouse.password.get_secret_value() == "mine"


def test_without_the_local_profile_local_commands_say_to_pass_a_config(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / "local.toml"
    app_module = sys.modules["fraudd.cli.app"]  # (the package's name ``app`` is the Typer app)
    monkeypatch.setattr(app_module, "LOCAL_PROFILE", missing)
    done = invoke("local", "status", env={"FRAUDD_LOCAL__STATE_DIR": str(tmp_path)})
    assert done.returncode == EX_CONFIG
    assert one_line(done) == (
        f"fraudd: no configuration given and no local profile at {missing}: "
        "pass --config FILE (or set FRAUDD_CONFIG)"
    )


def test_cli_unknown_key_exits_78_with_one_line(invoke: Invoke, tmp_path: Path) -> None:
    config = tmp_path / "fraudd.toml"
    config.write_text("[warehouse]\nnope = 1\n")
    result = invoke("--config", str(config), "config", "show")
    assert result.returncode == EX_CONFIG
    lines = result.stderr.strip().splitlines()
    assert lines == ["fraudd: invalid configuration: warehouse.nope: unknown key"]


def test_cli_help_lists_commands(invoke: Invoke) -> None:
    result = invoke("--help")
    assert result.returncode == 0
    for command in ("run", "migrate", "config", "local", "demo"):
        assert command in result.stdout
