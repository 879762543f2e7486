"""``fraudd demo`` (fraudd.cli.demo): on a pseudo-terminal (util-linux ``script``) the live view
owns the screen, no log line reaches it (they go to the log file) and the summary follows; its
console line logs an investigator in; its options and where it points next."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from fraudd.cli.demo import _log_path, _next_steps, console_line
from fraudd.cli.demo_view import DemoView
from fraudd.cli.errors import EX_USAGE
from fraudd.console.auth import LOGIN_AUDIENCE, console_secret, verify
from fraudd.demo import LiveFigures
from fraudd.demo_setup import demo_settings
from fraudd.localstack import StackInfo
from fraudd.settings import Settings, load_settings
from tests.cli.conftest import Invoke, one_line, stack_env
from tests.conftest import free_ports

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\r")


def on_a_terminal(command: str, env: dict[str, str], cwd: Path) -> str:
    """Run ``command`` in ``script``'s pseudo-terminal; what the terminal showed, escapes removed
    (the command's exit status must be 0)."""
    script = shutil.which("script")
    assert script is not None, "util-linux script (Debian bsdutils) is needed"
    typescript = cwd / "typescript"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FRAUDD_")}
    done = subprocess.run(
        [script, "-qec", command, str(typescript)],
        env=clean | env | {"TERM": "xterm-256color"},
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=300,
        check=False,
    )
    shown = ANSI.sub("", typescript.read_bytes().decode("utf-8", "replace"))
    assert done.returncode == 0, shown[-3000:]
    return shown


def test_the_demo_on_a_terminal_shows_no_log_lines(
    local_stack: tuple[Settings, StackInfo], tmp_path: Path
) -> None:
    settings = local_stack[0]
    http_port, console_port = free_ports(2)
    env = stack_env(settings) | {
        "FRAUDD_HTTP__PORT": str(http_port),
        "FRAUDD_CONSOLE__PORT": str(console_port),
        "FRAUDD_LOG_LEVEL": "info",
    }
    python = shlex.quote(sys.executable)
    screen = on_a_terminal(
        f"stty cols 160 rows 60; {python} -m fraudd demo --seconds 5", env, tmp_path
    )
    log_file = settings.local.state_dir.resolve() / "logs" / "demo.log"
    events = {json.loads(line)["event"] for line in log_file.read_text().splitlines()}
    assert "open cases; log in as an investigator at http://" in " ".join(screen.split())
    assert "consumer.batch_committed" in events and len(events) > 10  # the logs went there
    assert sorted(e for e in events if e in screen) == []  # and not to the screen
    for words in ("history seeded", "trained — validation AUC", "latest alerts", "Traffic"):
        assert words in screen
    assert "every record one decision" in screen and str(log_file) in screen


def render(renderable: Any) -> str:
    console = Console(record=True, width=160, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_a_rate_below_the_minimum_is_a_usage_error(invoke: Invoke, tmp_path: Path) -> None:
    done = invoke("demo", "--rate", "0", env={"FRAUDD_LOCAL__STATE_DIR": str(tmp_path)})
    assert done.returncode == EX_USAGE and "--rate" in one_line(done)
    assert "fraudd demo --help" in one_line(done) and not list(tmp_path.iterdir())


def test_next_steps_evaluate_the_week_the_demo_model_did_not_train_on(tmp_path: Path) -> None:
    settings = load_settings(
        None, local={"state_dir": str(tmp_path)}, http={"port": 9301},
        warehouse={"schema_name": "demo_x"},
    )  # fmt: skip
    log = _log_path(settings)
    assert log == tmp_path.resolve() / "logs" / "demo.log" and log.parent.is_dir()
    steps = _next_steps(settings, log)
    week_ago = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=7)
    assert steps.metrics_url == "http://127.0.0.1:9301/metrics" and steps.log_file == str(log)
    assert steps.evaluate_command == (
        "FRAUDD_WAREHOUSE__SCHEMA=demo_x fraudd --config config/local.toml evaluate "
        f"--test-start {week_ago.isoformat()} --report demo-report"
    )
    assert _next_steps(settings, None).log_file is None  # piped: the logs were on stdout
    # the demo's own names, which a command needs to reach the demo's data and stream
    demo = _next_steps(demo_settings(settings), None)
    assert demo.data_exports == (
        "export FRAUDD_CONFIG=config/local.toml FRAUDD_WAREHOUSE__SCHEMA=demo"
    )
    assert demo.stream_exports == (
        "export FRAUDD_KINESIS__STREAM_NAME=fraudd-transactions-demo "
        "FRAUDD_SNS__TOPIC_NAME=fraudd-alerts-demo"
    )


def test_the_live_view_shows_open_cases_and_a_console_login_url(tmp_path: Any) -> None:
    settings = load_settings(None, local={"state_dir": str(tmp_path)})
    view = DemoView(30.0, "http://127.0.0.1:9108/metrics", [])
    view.status_lines = [console_line(settings, view)]
    view.update(LiveFigures("running", 5.0, 30.0, {"cases_open": 7}, None, []))
    assert "Console: 7 open cases" in " ".join(render(view).split())
    line = view.status_lines[0]()
    assert line is not None
    token = line.split("/login?token=")[1]
    user = verify(console_secret(settings), LOGIN_AUDIENCE, token, "local")
    assert user.role == "investigator"
