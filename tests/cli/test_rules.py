"""``fraudd rules list | show | check | publish | activate | shadow`` (fraudd.cli.rules) as the
fraud team runs them: on a migrated schema of the local stack's PostgreSQL, refusals in one line
with the project's exit codes."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from fraudd.cli.errors import EX_FAILED, EX_USAGE
from fraudd.localstack import StackInfo
from fraudd.settings import Settings
from fraudd.warehouse import opened_warehouse
from tests.cli.conftest import Invoke, one_line, stack_env

GOOD = """
[lists.stolen_cards]
type = "string"
values = ["tok_3f9a0c1e"]

[[rules]]
name = "stolen_card"
description = "card reported stolen"
when = "card_token in @stolen_cards"
outcome = "block"

[[rules]]
name = "big_online"
description = "large online payment"
when = "channel == 'online' and amount >= 800"
outcome = "review"
"""


@pytest.fixture
def rules_file(tmp_path: Path) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(GOOD)
    return path


@pytest.fixture
def env(invoke: Invoke, local_stack: tuple[Settings, StackInfo], schema: str) -> dict[str, str]:
    """A migrated schema of the test's own: `fraudd migrate` makes today's settings version 1."""
    env = stack_env(local_stack[0], schema) | {"FRAUDD_RULES__BLOCK_AMOUNT": "1500"}
    done = invoke("migrate", env=env)
    assert done.returncode == 0, done.stderr
    return env


def test_check_accepts_a_good_file_without_a_warehouse(invoke: Invoke, rules_file: Path) -> None:
    done = invoke("rules", "check", str(rules_file), env={"FRAUDD_WAREHOUSE__HOST": "no.invalid"})
    assert (done.returncode, done.stdout) == (0, f"{rules_file}: ok: 2 rule(s), 1 list(s)\n")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (GOOD.replace("channel ==", "chanel =="),
         "rule 'big_online': line 1, column 1: unknown name 'chanel'; did you mean 'channel'?"),
        (GOOD.replace("amount >= 800", "amount >= '800'"),
         "rule 'big_online': line 1, column 32: cannot compare a number with a string"),
        (GOOD.replace('outcome = "review"', 'outcome = "maybe"'), "outcome"),
        (GOOD + "[[rules", "not valid TOML"),
    ],
)  # fmt: skip
def test_check_refuses_in_one_line_with_exit_2(
    invoke: Invoke, tmp_path: Path, text: str, said: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    done = invoke("rules", "check", str(path))
    assert done.returncode == EX_USAGE
    line = one_line(done)
    assert line.startswith(f"fraudd: {path}: ") and said in line


OWN = """
[fields.declared.merchant_country]
type = "string"
description = "the merchant's country"
"""


def test_check_reads_the_configurations_declared_fields(invoke: Invoke, tmp_path: Path) -> None:
    """A rule over a declared field is accepted where the settings declare it, and refused in
    one line (with a hint) where they do not."""
    path, config = tmp_path / "own.toml", tmp_path / "fraudd.toml"
    path.write_text(GOOD.replace("channel == 'online'", "merchant_country != 'FR'"))
    config.write_text(OWN)
    done = invoke("--config", str(config), "rules", "check", str(path))
    assert (done.returncode, done.stdout) == (0, f"{path}: ok: 2 rule(s), 1 list(s)\n")
    config.write_text(OWN.replace("merchant_country]", "merchant_county]"))
    done = invoke("--config", str(config), "rules", "check", str(path))
    assert done.returncode == EX_USAGE
    assert one_line(done).endswith("unknown name 'merchant_country'; did you mean "
                                   "'merchant_county'?")  # fmt: skip


def test_check_of_a_missing_file_is_one_line(invoke: Invoke, tmp_path: Path) -> None:
    done = invoke("rules", "check", str(tmp_path / "none.toml"))
    assert done.returncode == EX_USAGE and "no such file" in one_line(done)


def test_publish_activate_shadow_list_and_show(
    invoke: Invoke, env: dict[str, str], rules_file: Path
) -> None:
    listed = invoke("rules", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    first = json.loads(listed.stdout)
    assert (first["version"], first["live"], first["published_by"]) == (1, True, "fraudd")
    shown = invoke("rules", "show", env=env)
    assert "amount >= 1500.0" in shown.stdout and shown.stdout.startswith("# rule set version 1")
    published = invoke(
        "rules", "publish", str(rules_file), "--note", "stolen cards", "--author", "ana", env=env
    )
    assert published.returncode == 0, published.stderr
    assert json.loads(published.stdout) | {"published_at": None} == {
        "version": 2, "live": False, "shadow": False, "published_at": None,
        "published_by": "cli:ana", "note": "stolen cards", "rules": 2,
    }  # fmt: skip
    assert invoke("rules", "shadow", "2", env=env).stdout == "rule set version 2 runs in shadow\n"
    compared = invoke("rules", "compare", env=env)  # nothing decided yet: no lines
    assert (compared.returncode, compared.stdout) == (0, "")
    assert invoke("rules", "activate", "2", env=env).stdout == "rule set version 2 is live\n"
    assert invoke("rules", "shadow", "--stop", env=env).stdout == "shadow run stopped\n"
    states = [json.loads(line) for line in invoke("rules", "list", env=env).stdout.splitlines()]
    assert [(s["version"], s["live"], s["shadow"]) for s in states] == [
        (1, False, False), (2, True, False),
    ]  # fmt: skip
    assert invoke("rules", "show", "2", env=env).stdout.endswith(GOOD)


def test_unknown_versions_and_bad_files_store_nothing(
    invoke: Invoke, env: dict[str, str], tmp_path: Path
) -> None:
    for args in (("activate", "7"), ("show", "7"), ("shadow", "7")):
        done = invoke("rules", *args, env=env)
        assert done.returncode == EX_FAILED
        assert one_line(done) == (
            "fraudd: no rule set version 7: `fraudd rules list` shows the published versions"
        )
    bad = tmp_path / "bad.toml"
    bad.write_text(GOOD.replace("amount >= 800", "amount > 5 and amount < 3"))
    done = invoke("rules", "publish", str(bad), env=env)
    assert done.returncode == EX_USAGE and "can never be true" in one_line(done)
    nothing = invoke("rules", "compare", env=env)
    assert nothing.returncode == EX_FAILED and "no version runs in shadow" in one_line(nothing)
    neither = invoke("rules", "shadow", env=env)
    assert neither.returncode == EX_USAGE and "or --stop" in one_line(neither)
    listed = invoke("rules", "list", env=env).stdout.splitlines()
    assert [json.loads(line)["version"] for line in listed] == [1]


def test_an_unmigrated_schema_says_to_migrate(
    invoke: Invoke, local_stack: tuple[Settings, StackInfo], schema: str
) -> None:
    done = invoke("rules", "list", env=stack_env(local_stack[0], schema))
    assert done.returncode == EX_FAILED and one_line(done).endswith(
        "run `fraudd migrate` with the same configuration first"
    )


def test_every_publication_and_activation_is_audited(
    invoke: Invoke, env: dict[str, str], rules_file: Path,
    local_stack: tuple[Settings, StackInfo], schema: str,
) -> None:  # fmt: skip
    """As `fraudd cases close` does: the command line acts as investigator cli:<name>, and
    each change is an audit entry with the text before and after."""
    for args in (("publish", str(rules_file), "--author", "ana"), ("shadow", "2"),
                 ("shadow", "--stop"), ("activate", "2", "--author", "ben")):  # fmt: skip
        assert invoke("rules", *args, env=env).returncode == 0

    async def entries() -> list[Any]:
        settings = local_stack[0].derive(warehouse={"schema_name": schema})
        async with opened_warehouse(settings) as wh, wh.session() as s:
            return list(reversed(await s.audit_entries([], 10)))

    seen = asyncio.run(entries())
    assert [(e.action, e.actor_role, e.subject) for e in seen] == [
        ("rules.published", "investigator", "rule-set:v2"),
        ("rules.shadowed", "investigator", "rule-set:v2"),
        ("rules.shadowed", "investigator", "rule-set"),
        ("rules.activated", "investigator", "rule-set:v2"),
    ]
    assert (seen[0].actor, seen[3].actor) == ("cli:ana", "cli:ben")
    assert seen[0].before is not None and "amount >= 1500.0" in seen[0].before["text"]
    assert seen[0].after is not None and seen[0].after["text"] == GOOD
    assert seen[3].after == {"version": 2, "text": GOOD}
