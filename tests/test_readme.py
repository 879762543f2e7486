"""The README's commands work as written: its "Labelled history" and "The model" blocks run, in
order, against the local stack, at a small size (300 cards and 600 terminals instead of 5,000
and 10,000; everything else as written), the way the quick start sets a shell up
(``fraudd`` on PATH, ``FRAUDD_CONFIG=config/local.toml``, ``fraudd migrate``)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from fraudd.localstack import StackInfo
from fraudd.settings import Settings
from tests.cli.conftest import one_line, run_fraudd, stack_env
from tests.conftest import drop_schemas

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"FRAUDD_PRODUCER__CUSTOMERS": "300", "FRAUDD_PRODUCER__TERMINALS": "600"}


def sh_block(heading: str) -> list[str]:
    """The command lines of the first ```sh block after ``heading`` (comments dropped)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    after = text[text.index(heading) :]
    block = re.search(r"```sh\n(.*?)```", after, re.S)
    assert block is not None, heading
    lines = [line.split("  #")[0].strip() for line in block.group(1).splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def test_the_blocks_are_the_commands_the_readme_shows() -> None:
    history, model = sh_block("### Labelled history"), sh_block("## The model")
    assert history[0] == "fraudd simulate history --start 2018-04-01 --days 183"
    assert model == [
        "fraudd train --train-end 2018-07-31",
        "fraudd evaluate --test-start 2018-08-08 --json",
    ]
    quick_start = (ROOT / "README.md").read_text(encoding="utf-8").split("## How it works")[0]
    assert "export FRAUDD_CONFIG=config/local.toml" in quick_start


@pytest.fixture
async def schemas(local_stack: tuple[Settings, StackInfo]) -> AsyncIterator[str]:
    """A schema for the session's commands (and the README's "imported"); dropped after."""
    name = f"readme_{uuid.uuid4().hex[:8]}"
    yield name
    await drop_schemas(local_stack[0], name, "imported")


def test_labelled_history_and_the_model_run_as_written(
    local_stack: tuple[Settings, StackInfo], schemas: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRAUDD_")}
    env |= stack_env(local_stack[0], schemas) | SMALL
    env |= {
        "FRAUDD_CONFIG": str(ROOT / "config" / "local.toml"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    }
    commands = ["fraudd migrate", *sh_block("### Labelled history"), *sh_block("## The model")]
    outputs = []
    for command in commands:
        done = subprocess.run(
            ["bash", "-c", command], env=env, cwd=tmp_path, capture_output=True, text=True,
            timeout=600, check=False,
        )  # fmt: skip
        assert done.returncode == 0, f"{command}: {done.stderr[-2000:]}"
        outputs.append(done.stdout)
    evaluation = json.loads(outputs[-1].strip().splitlines()[-1])
    assert 0.7 < evaluation["auc_roc"] <= 1 and evaluation["n_frauds"] > 20
    assert any("label times: labelled_at from the file where given" in o for o in outputs)
    beyond = run_fraudd("evaluate", "--test-start", "2030-01-01", env=env, cwd=tmp_path)
    assert beyond.returncode == 1 and "no transactions to test on" in one_line(beyond)
