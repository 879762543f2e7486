"""``fraudd rules lists`` and ``fraudd rules list-set NAME``: the named lists rules read (cards,
terminals, merchant categories, countries …), kept apart from the rule sets (docs/rules.md).

A change is checked as the rule language checks a list (values of its type, no card number),
refused if the live or shadow version could not read it, stored as the next lists revision and
audited (``rules.list_changed``, actor ``cli:<name>``) in one transaction, as the console's
database user. Consumers pick it up within ``scoring.model_poll_s``, without a new version.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

from fraudd.cases import rulelists
from fraudd.cases.service import ActionRefused, Actor
from fraudd.cli.app import rules_app, settings_from
from fraudd.cli.errors import EX_USAGE, Failure, read_text
from fraudd.cli.rules import AuthorOpt, _actor, _session
from fraudd.rules.lists import ListEdit, kept_lists
from fraudd.settings import Settings
from fraudd.warehouse import RuleList

ValuesOpt = Annotated[list[str] | None, typer.Option(help="A value (repeat the option).")]


@rules_app.command("lists")
def lists_show(
    ctx: typer.Context,
    at: Annotated[
        int | None, typer.Option(min=0, help="The lists as of this revision (a decision's).")
    ] = None,
) -> None:
    """The named lists rules read: one JSON line each (name, type, revision, values)."""
    for line in asyncio.run(_shown(settings_from(ctx), at)):
        typer.echo(json.dumps(line))


async def _shown(settings: Settings, at: int | None) -> list[dict[str, object]]:
    async with _session(settings) as session:
        if at is not None:
            state = await session.rule_lists(at)
            return [
                {"name": n, "type": lst.type, "revision": state.lists[n].revision,
                 "source": "kept", "values": list(lst.values)}
                for n, lst in kept_lists(state).items()
            ]  # fmt: skip
        _, shown = await rulelists.shown_lists(session)
    return [
        {"name": s.name, "type": s.list.type, "revision": s.revision, "source": s.source,
         "values": list(s.list.values)}
        for s in shown
    ]  # fmt: skip


@rules_app.command("list-set")
def list_set(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The list, as rules write it after @.")],
    file: Annotated[Path | None, typer.Argument(help="Replace the values: one per line.")] = None,
    add: ValuesOpt = None,
    remove: ValuesOpt = None,
    list_type: Annotated[
        str | None, typer.Option("--type", help="A new list's type: string or number.")
    ] = None,
    description: Annotated[str | None, typer.Option(help="What the list holds.")] = None,
    author: AuthorOpt = None,
) -> None:
    """Change list NAME (FILE replaces its values; --add and --remove change them), audited;
    consumers read it at their next refresh, without a new rule-set version."""
    values = None if file is None else _lines(file)
    if values is None and not add and not remove and description is None:
        raise Failure("give a FILE of values, --add or --remove", EX_USAGE)
    edit = ListEdit(values, tuple(add or ()), tuple(remove or ()), description)
    stored = asyncio.run(_change(settings_from(ctx), name, list_type, edit, _actor(author)))
    typer.echo(
        json.dumps({"name": stored.name, "type": stored.type, "revision": stored.revision,
                    "values": len(stored.values)})
    )  # fmt: skip


def _lines(path: Path) -> list[str]:
    """A values file: one value per line; blank lines and ``#`` comments skipped."""
    text = read_text(path, "one value per line")
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


async def _change(
    settings: Settings, name: str, list_type: str | None, edit: ListEdit, actor: Actor
) -> RuleList:
    async with _session(settings.for_people()) as session:
        try:
            async with session.transaction():
                now = dt.datetime.now(dt.UTC)
                return await rulelists.change_list(session, actor, name, list_type, edit, now)
        except ActionRefused as e:
            raise Failure(str(e), EX_USAGE) from None
