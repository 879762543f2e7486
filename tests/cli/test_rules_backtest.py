"""``fraudd rules backtest`` (fraudd.cli.rules_backtest): bad days, files and configuration
are one line each and the right exit code, before any warehouse work; on a migrated schema
holding the hand-counted history (tests/backtest/backtest_history.py), the JSON and the tables."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from fraudd.cli.errors import EX_FAILED, EX_USAGE
from fraudd.localstack import StackInfo
from fraudd.settings import EX_CONFIG, Settings
from fraudd.warehouse import opened_warehouse
from tests.backtest import backtest_history as hand
from tests.cli.conftest import Invoke, one_line, stack_env

DAYS = ("--from", "2026-11-02", "--to", "2026-11-04")


@pytest.fixture
def draft(tmp_path: Path) -> Path:
    path = tmp_path / "draft.toml"
    path.write_text(hand.DRAFT)
    return path


def test_bad_days_are_one_line(invoke: Invoke) -> None:
    bad = invoke("rules", "backtest", "--from", "2026-13-01", "--to", "2026-11-04")
    assert bad.returncode == EX_USAGE
    assert one_line(bad).startswith("fraudd: Invalid value for '--from': ")
    assert "'2026-13-01' does not match the formats '%Y-%m-%d'" in one_line(bad)
    backwards = invoke("rules", "backtest", "--from", "2026-11-04", "--to", "2026-11-02")
    assert backwards.returncode == EX_USAGE
    assert one_line(backwards) == (
        "fraudd: --from 2026-11-04 is after --to 2026-11-02: give the first day first"
    )


def test_bad_rule_files_are_one_line(invoke: Invoke, tmp_path: Path) -> None:
    missing = invoke("rules", "backtest", *DAYS, "--draft", str(tmp_path / "nope.toml"))
    assert missing.returncode == EX_USAGE
    assert "nope.toml: no such file: give a readable file" in one_line(missing)
    typo = tmp_path / "typo.toml"
    typo.write_text(hand.DRAFT.replace("velocity >= 2", "velocty >= 2"))
    refused = invoke("rules", "backtest", *DAYS, "--live", str(typo))
    assert refused.returncode == EX_USAGE
    assert one_line(refused) == (
        f"fraudd: {typo}: rule 'small_after_swipe': line 1, column 1: unknown name 'velocty'; "
        "did you mean 'velocity'?"
    )
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe")
    assert "not UTF-8 text" in one_line(invoke("rules", "backtest", *DAYS, "--draft", str(binary)))


def test_bad_configuration_is_one_line(invoke: Invoke) -> None:
    done = invoke("rules", "backtest", *DAYS, env={"FRAUDD_RULES__BLOCK_AMOUNT": "-1"})
    assert done.returncode == EX_CONFIG
    assert one_line(done).startswith("fraudd: invalid configuration: rules.block_amount")


async def _store(settings: Settings) -> None:
    async with opened_warehouse(settings) as wh, wh.session() as s:
        await hand.store(s)


def test_a_backtest_of_the_hand_counted_history(
    invoke: Invoke, local_stack: tuple[Settings, StackInfo], schema: str, draft: Path
) -> None:
    env = stack_env(local_stack[0], schema)
    assert invoke("migrate", env=env).returncode == 0
    empty = invoke("rules", "backtest", *DAYS, env=env)
    assert empty.returncode == EX_FAILED
    assert one_line(empty).startswith("fraudd: no transactions from 2026-11-02 to 2026-11-04: ")
    asyncio.run(_store(local_stack[0].derive(warehouse={"schema_name": schema})))
    done = invoke("rules", "backtest", *DAYS, "--draft", str(draft), "--json", env=env)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert figures["live"]["source"] == "published version 1"  # `migrate` published it
    assert figures["draft"]["source"] == str(draft)
    assert (figures["live"]["total"]["alerts"], figures["draft"]["total"]["alerts"]) == (3, 4)
    assert (figures["changes"]["transactions"], figures["changes"]["cards"]) == (3, 3)
    tables = invoke("rules", "backtest", *DAYS, "--draft", str(draft), env=env)
    assert tables.returncode == 0, tables.stderr
    for title in ("Backtest 2026-11-02 to 2026-11-04: 7 transactions, 3 frauds",
                  "live rules (published version 1)", "Alerts and blocks per day",
                  "From live to draft", "small_after_swipe", "No active local model"):  # fmt: skip
        assert title in tables.stdout, title
    # off a terminal (80 columns by default) every figure is whole: no column cut to "…"
    assert "…" not in tables.stdout, tables.stdout


def test_a_backtest_reads_the_named_lists_as_they_are_now(
    invoke: Invoke, local_stack: tuple[Settings, StackInfo], schema: str
) -> None:
    """Card B added today to version 1's block list: the live set's backtest blocks both of
    its transactions of 2 and 3 November, as the lists are now (docs/rules.md)."""
    env = stack_env(local_stack[0], schema)
    assert invoke("migrate", env=env).returncode == 0
    asyncio.run(_store(local_stack[0].derive(warehouse={"schema_name": schema})))

    def blocks() -> int:
        done = invoke("rules", "backtest", *DAYS, "--json", env=env)
        assert done.returncode == 0, done.stderr
        return int(json.loads(done.stdout)["live"]["total"]["blocks"])

    before = blocks()
    added = invoke("rules", "list-set", "block_cards", "--add", hand.CARDS["B"], env=env)
    assert added.returncode == 0, added.stderr
    assert (before, blocks()) == (1, 3)
