"""``fraudd rules lists`` and ``fraudd rules list-set`` (fraudd.cli.rule_lists) as the fraud team
runs them on a migrated schema of the local stack's PostgreSQL: changes audited as ``cli:<name>``,
refusals in one line with exit 2, and a publication of the same text refused."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from fraudd.cli.errors import EX_USAGE
from fraudd.localstack import StackInfo
from fraudd.settings import Settings
from fraudd.warehouse import opened_warehouse
from tests.cli.conftest import Invoke, one_line, stack_env


@pytest.fixture
def env(invoke: Invoke, local_stack: tuple[Settings, StackInfo], schema: str) -> dict[str, str]:
    """A migrated schema of the test's own whose version 1 blocks the card tok_settings."""
    env = stack_env(local_stack[0], schema) | {"FRAUDD_RULES__BLOCK_CARDS": '["tok_settings"]'}
    done = invoke("migrate", env=env)
    assert done.returncode == 0, done.stderr
    return env


def lines(done: Any) -> list[dict[str, Any]]:
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_show_add_remove_and_replace_a_list(
    invoke: Invoke, env: dict[str, str], tmp_path: Path
) -> None:
    shown = lines(invoke("rules", "lists", env=env))
    assert [(x["name"], x["source"], x["values"]) for x in shown] == [
        ("allow_cards", "declared in version 1", []),
        ("block_cards", "declared in version 1", ["tok_settings"]),
    ]
    added = invoke(
        "rules", "list-set", "block_cards", "--add", "tok_new", "--author", "ana", env=env
    )
    assert lines(added) == [{"name": "block_cards", "type": "string", "revision": 1, "values": 2}]
    risky = tmp_path / "risky.txt"
    risky.write_text("# merchant categories under investigation\n5967\n\n7995\n")
    created = invoke("rules", "list-set", "risky_mcc", str(risky), "--type", "number", env=env)
    assert lines(created)[0]["revision"] == 2
    removed = invoke("rules", "list-set", "block_cards", "--remove", "tok_settings", env=env)
    assert lines(removed)[0]["values"] == 1
    now = {x["name"]: x for x in lines(invoke("rules", "lists", env=env))}
    assert now["block_cards"]["values"] == ["tok_new"] and now["block_cards"]["revision"] == 3
    assert now["risky_mcc"]["values"] == [5967.0, 7995.0]
    then = lines(invoke("rules", "lists", "--at", "1", env=env))
    assert [(x["name"], x["values"]) for x in then] == [
        ("block_cards", ["tok_settings", "tok_new"])
    ]


def test_changes_are_audited_as_the_command_lines_person(
    invoke: Invoke, env: dict[str, str], local_stack: tuple[Settings, StackInfo], schema: str
) -> None:
    done = invoke(
        "rules", "list-set", "block_cards", "--add", "tok_new", "--author", "ana", env=env
    )
    assert done.returncode == 0, done.stderr

    async def entries() -> list[Any]:
        settings = local_stack[0].derive(warehouse={"schema_name": schema})
        async with opened_warehouse(settings) as wh, wh.session() as s:
            return await s.audit_entries(["rule-list:block_cards"], 10)

    [entry] = asyncio.run(entries())
    assert (entry.action, entry.actor, entry.actor_role) == (
        "rules.list_changed", "cli:ana", "investigator",
    )  # fmt: skip
    assert entry.before == {"revision": None, "type": "string", "values": ["tok_settings"]}
    assert entry.after == {"revision": 1, "type": "string", "values": ["tok_settings", "tok_new"]}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("block_cards", "--add", "4111-1111-1111-1111"),
         "fraudd: the list is refused: lists.block_cards: a value holds 13-19 digits"),
        (("risky", "--add", "5967"), "fraudd: the list is refused: @risky is a new list"),
        (("block_cards", "--type", "number", "--add", "1"),
         "fraudd: the list is refused: @block_cards is a string list and stays one"),
        (("block_cards",), "fraudd: give a FILE of values, --add or --remove"),
    ],
)  # fmt: skip
def test_refusals_are_one_line_and_store_nothing(
    invoke: Invoke, env: dict[str, str], args: tuple[str, ...], message: str
) -> None:
    done = invoke("rules", "list-set", *args, env=env)
    assert done.returncode == EX_USAGE and one_line(done).startswith(message)
    assert "4111" not in done.stderr
    assert all(x["revision"] is None for x in lines(invoke("rules", "lists", env=env)))


def test_the_same_text_is_not_published_twice(
    invoke: Invoke, env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(
        '[[rules]]\nname = "big"\ndescription = "big"\nwhen = "amount > 900"\noutcome = "review"\n'
    )
    assert invoke("rules", "publish", str(path), env=env).returncode == 0
    again = invoke("rules", "publish", str(path), env=env)
    assert again.returncode == EX_USAGE
    assert one_line(again) == (
        "fraudd: cannot publish: nothing to publish: this text is already published as "
        "version 2: change the draft, or make version 2 live"
    )
    assert [x["version"] for x in lines(invoke("rules", "list", env=env))] == [1, 2]
