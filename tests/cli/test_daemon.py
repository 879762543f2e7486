"""``fraudd run``, ``migrate`` and ``config show`` (fraudd.cli.daemon) as operators run them."""

from __future__ import annotations

import json
from pathlib import Path

from fraudd.cli.errors import EX_FAILED
from fraudd.localstack import StackInfo
from fraudd.settings import EX_CONFIG, Settings
from tests.cli.conftest import Invoke, one_line, stack_env
from tests.conftest import free_ports


def test_cli_config_show_redacts(invoke: Invoke, tmp_path: Path) -> None:
    config = tmp_path / "fraudd.toml"
    config.write_text("[warehouse]\npassword = 'pw-XYZ-123'\n")
    result = invoke("--config", str(config), "config", "show")
    assert result.returncode == 0, result.stderr
    assert "pw-XYZ-123" not in result.stdout
    assert '"password": "**********"' in result.stdout


def test_config_show_is_the_file_and_the_environment_together(
    invoke: Invoke, tmp_path: Path
) -> None:
    config = tmp_path / "fraudd.toml"
    config.write_text('[kinesis]\nstream_name = "from-the-file"\n[warehouse]\nport = 6000\n')
    done = invoke("-c", str(config), "config", "show", env={"FRAUDD_WAREHOUSE__PORT": "6001"})
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["kinesis"]["stream_name"] == "from-the-file"
    assert shown["warehouse"]["port"] == 6001  # the environment wins


def test_migrate_applies_what_is_pending_once(
    invoke: Invoke, local_stack: tuple[Settings, StackInfo], schema: str
) -> None:
    env = stack_env(local_stack[0], schema)
    first = invoke("migrate", env=env)
    assert first.returncode == 0, first.stderr
    count, names = first.stdout.removeprefix("applied ").split(" migration(s): ")
    assert int(count) > 0 and len(names.strip().split(", ")) == int(count)
    again = invoke("migrate", env=env)
    assert (again.returncode, again.stdout) == (0, "applied 0 migration(s): none pending\n")


def test_migrate_sql_prints_the_dialects_ddl_without_a_database(invoke: Invoke) -> None:
    env = {"FRAUDD_WAREHOUSE__DIALECT": "redshift", "FRAUDD_WAREHOUSE__SCHEMA": "prod_fraud",
           "FRAUDD_WAREHOUSE__HOST": "nowhere.invalid"}  # fmt: skip
    done = invoke("migrate", "--sql", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("-- migration 0001_init\n")
    assert "CREATE TABLE prod_fraud.transactions (\n" in done.stdout
    assert "DISTSTYLE KEY DISTKEY (customer_id)\nCOMPOUND SORTKEY (tx_time);" in done.stdout
    code = [line for line in done.stdout.splitlines() if not line.startswith("--")]
    assert not [line for line in code if "{" + "schema}" in line or "/*create_table" in line]


def test_run_on_an_unmigrated_schema_stops_at_start_with_one_line(
    invoke: Invoke, local_stack: tuple[Settings, StackInfo], schema: str, tmp_path: Path
) -> None:
    env = stack_env(local_stack[0], schema) | {
        "FRAUDD_HTTP__PORT": "0", "FRAUDD_CONSOLE__PORT": str(free_ports(1)[0]),
        "FRAUDD_LOCAL__STATE_DIR": str(tmp_path),
    }  # fmt: skip
    console = invoke("run", "--roles", "console", env=env)  # a start-up check: exit 78
    assert console.returncode == EX_CONFIG
    assert one_line(console).endswith("run `fraudd migrate` first")
    consumer = invoke("run", "--roles", "consumer", "--instance", "1-of-2", env=env)
    assert consumer.returncode == EX_FAILED  # its first statement finds no table
    assert f"{schema} is not set up: run `fraudd migrate`" in one_line(consumer)
