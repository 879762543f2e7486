"""The README's commands work as written: its "Labelled history" and "The model" blocks run, in
order, against the local stack, at a small size (300 cards and 600 terminals instead of 5,000
and 10,000; everything else as written), the way the quick start sets a shell up
(``fraudd`` on PATH, ``FRAUDD_CONFIG=config/local.toml``, ``fraudd migrate``). The "Rules" worked
example's rule file is today's rules plus the rules the README shows, and its commands (but the
daemon) run as written on a small history ending today, as the demo's does."""

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
from fraudd.rules import load_rule_set
from fraudd.rules.legacy import rule_set_toml
from fraudd.settings import Settings, load_settings
from tests.cli.conftest import one_line, run_fraudd, stack_env
from tests.conftest import drop_schemas

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"FRAUDD_PRODUCER__CUSTOMERS": "300", "FRAUDD_PRODUCER__TERMINALS": "600"}
EXAMPLE = "docs/rules-example.toml"
BACKTEST_WEEK = '--from "$(date -u -d \'7 days ago\' +%F)" --to "$(date -u -d yesterday +%F)"'


def sh_block(heading: str, language: str = "sh") -> list[str]:
    """The command lines of the first ```sh block after ``heading`` (comments dropped)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    after = text[text.index(heading) :]
    block = re.search(rf"```{language}\n(.*?)```", after, re.S)
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


def test_the_rules_example_is_the_readmes_commands_and_rules() -> None:
    assert sh_block("## Rules") == [
        ". .venv/bin/activate",
        "export FRAUDD_CONFIG=config/local.toml FRAUDD_WAREHOUSE__SCHEMA=demo",
        "export FRAUDD_KINESIS__STREAM_NAME=fraudd-transactions-demo "
        "FRAUDD_SNS__TOPIC_NAME=fraudd-alerts-demo",
        "fraudd rules show",
        f"fraudd rules check {EXAMPLE}",
        f"fraudd rules backtest {BACKTEST_WEEK} --draft {EXAMPLE}",
        f'fraudd rules publish {EXAMPLE} --note "card-not-present: review 200.00 or more, '
        'and from score 0.05"',
        "fraudd rules activate 2",
        "fraudd run --roles producer,ingest,consumer,actions,console",
        "fraudd console token --role investigator --user you@example.com",
    ]
    shown = load_rule_set("\n".join(sh_block("## Rules", "toml")))
    example = load_rule_set((ROOT / EXAMPLE).read_text(encoding="utf-8"))
    today = load_rule_set(rule_set_toml(load_settings(None).rules))
    # publishing the file keeps today's rules (version 1) and adds the README's, as shown
    assert example.rules == today.rules + shown.rules and example.lists == today.lists


def test_the_rules_example_passes_the_check() -> None:
    done = run_fraudd("rules", "check", EXAMPLE, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{EXAMPLE}: ok: 7 rule(s), 2 list(s)"
    typo = run_fraudd("rules", "check", "README.md", cwd=ROOT)  # the check can refuse
    assert typo.returncode == 2 and one_line(typo).startswith("fraudd: README.md: ")


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


def test_the_rules_walk_through_runs_as_written(
    local_stack: tuple[Settings, StackInfo], schemas: str
) -> None:
    """The "Rules" block after a small history ending today (the demo's shape, without its
    model: the backtest then says the rules decided alone); the shell's exports are the test's
    environment (its own schema), and the daemon is left out."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRAUDD_")}
    env |= stack_env(local_stack[0], schemas) | SMALL
    env |= {
        "FRAUDD_CONFIG": str(ROOT / "config" / "local.toml"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    }
    skipped = (". ", "export ", "fraudd run ")
    commands = [c for c in sh_block("## Rules") if not c.startswith(skipped)]
    outputs = {}
    for command in ["fraudd migrate", "fraudd simulate history --days 10", *commands]:
        done = subprocess.run(
            ["bash", "-c", command], env=env, cwd=ROOT, capture_output=True, text=True,
            timeout=600, check=False,
        )  # fmt: skip
        assert done.returncode == 0, f"{command}: {done.stderr[-2000:]}"
        outputs[command.split(" --")[0].split(" docs/")[0]] = done.stdout
    assert "# rule set version 1 (live)" in outputs["fraudd rules show"]
    assert f"{EXAMPLE}: ok: 7 rule(s), 2 list(s)" in outputs["fraudd rules check"]
    backtest = outputs["fraudd rules backtest"]
    for shown in (f"draft rules ({EXAMPLE})", "cnp_large_amount", "From live to draft"):
        assert shown in backtest, backtest
    published = json.loads(outputs["fraudd rules publish"].strip().splitlines()[-1])
    assert (published["version"], published["rules"]) == (2, 7)
    assert "rule set version 2 is live" in outputs["fraudd rules activate 2"]
    assert "/login?token=" in outputs["fraudd console token"]
