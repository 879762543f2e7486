"""``fraudd demo`` on a pseudo-terminal (util-linux ``script``): the live view owns the screen,
no log line reaches it (they go to the log file), and the summary follows."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from fraudd.localstack import StackInfo
from fraudd.settings import Settings
from tests.cli.conftest import stack_env
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
