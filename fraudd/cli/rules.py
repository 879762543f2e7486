"""``fraudd rules list | show | check FILE | publish FILE | activate VERSION | shadow | compare``:
the fraud team's rule sets (docs/rules.md) from the command line.

A rule-set file is checked exactly as the consumer will compile it (the same inputs,
:func:`fraudd.rules.inputs.rule_schema` of the settings) before anything is stored; a refusal
is one line naming the file, the rule and where (exit 2). A published version never changes:
to change the rules, publish a new version and activate it; consumers pick it up within
``scoring.model_poll_s``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import getpass
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

import typer

from fraudd.cases import rulesets
from fraudd.cases.service import ActionRefused, Actor
from fraudd.cli.app import rules_app, settings_from
from fraudd.cli.errors import EX_USAGE, Failure, read_text
from fraudd.rules import CompiledRuleSet, RuleSet, RuleSetError, load_rule_set
from fraudd.rules.inputs import rule_schema
from fraudd.rules.lists import kept_lists
from fraudd.scoring.policy import compile_version, live_or_first
from fraudd.settings import Settings
from fraudd.warehouse import RuleSetVersion, Session, ShadowCell, opened_warehouse

FileArg = Annotated[Path, typer.Argument(help="A rule-set TOML file (docs/rules.md).")]
AuthorOpt = Annotated[
    str | None, typer.Option(help="Who publishes or activates (default: the login name).")
]
LIST_HINT = "`fraudd rules list` shows the published versions"


@asynccontextmanager
async def _session(settings: Settings) -> AsyncIterator[Session]:
    async with opened_warehouse(settings) as wh, wh.session() as session:
        yield session


def checked(path: Path, settings: Settings) -> tuple[str, RuleSet]:
    """The file's text and rule set, checked as the consumer compiles it under ``settings``;
    else a Failure."""
    text = read_text(path, "save the rule set as UTF-8")
    try:
        rule_set = load_rule_set(text)
        CompiledRuleSet(rule_set, rule_schema(settings))
    except RuleSetError as e:
        raise Failure(f"{path}: {e}", EX_USAGE) from None
    return text, rule_set


def _author(given: str | None) -> str:
    if given:
        return given
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in a bare container
        return "cli"


def _actor(author: str | None) -> Actor:
    """Who acts from the command line: like ``fraudd cases close``, an investigator named
    ``cli:<name>`` (whoever holds the console's database credentials may act)."""
    return Actor(f"cli:{_author(author)}", "investigator", "cli")


def _summary(v: RuleSetVersion) -> dict[str, object]:
    return {
        "version": v.version,
        "live": v.live,
        "shadow": v.shadow,
        "published_at": v.published_at.isoformat(),
        "published_by": v.published_by,
        "note": v.note,
        "rules": len(load_rule_set(v.body).rules),
    }


@rules_app.command("list")
def rules_list(ctx: typer.Context) -> None:
    """Every published version, oldest first: one JSON line each (live, shadow, who, when)."""
    versions = asyncio.run(_list(settings_from(ctx)))
    for v in versions:
        typer.echo(json.dumps(_summary(v)))


async def _list(settings: Settings) -> list[RuleSetVersion]:
    async with _session(settings) as session:
        await live_or_first(session, settings)  # an upgraded deployment shows its version 1
        return await session.list_rule_sets()


@rules_app.command("show")
def rules_show(
    ctx: typer.Context,
    version: Annotated[int | None, typer.Argument(help="Default: the live version.")] = None,
) -> None:
    """Print a published version's text (the live one by default)."""
    found = asyncio.run(_show(settings_from(ctx), version))
    if found is None:
        raise Failure(f"no rule set version {version}: {LIST_HINT}")
    typer.echo(f"# rule set version {found.version}" + (" (live)" if found.live else ""))
    typer.echo(found.body, nl=not found.body.endswith("\n"))


async def _show(settings: Settings, version: int | None) -> RuleSetVersion | None:
    async with _session(settings) as session:
        if version is None:
            return await live_or_first(session, settings)
        return await session.get_rule_set(version)


@rules_app.command("check")
def rules_check(ctx: typer.Context, file: FileArg) -> None:
    """Check a rule-set file without storing it: one line, exit 0 if it would be accepted
    under this configuration (its declared fields and feature catalog)."""
    _, rule_set = checked(file, settings_from(ctx))
    typer.echo(f"{file}: ok: {len(rule_set.rules)} rule(s), {len(rule_set.lists)} list(s)")


@rules_app.command("publish")
def rules_publish(
    ctx: typer.Context,
    file: FileArg,
    note: Annotated[str, typer.Option(help="Why this version (kept with it).")] = "",
    activate: Annotated[bool, typer.Option(help="Make it live at once.")] = False,
    author: AuthorOpt = None,
) -> None:
    """Check FILE and store it as the next version (immutable); --activate makes it live."""
    settings = settings_from(ctx)
    text, _ = checked(file, settings)
    published = asyncio.run(_publish(settings, text, note, activate, _actor(author)))
    typer.echo(json.dumps(_summary(published)))


async def _publish(
    settings: Settings, text: str, note: str, activate: bool, actor: Actor
) -> RuleSetVersion:
    """Publish ``text`` and audit it (rules.published), as the console's database user."""
    async with _session(settings.for_people()) as session:
        await live_or_first(session, settings)  # version 1 stays today's settings
        try:
            async with session.transaction():
                now = dt.datetime.now(dt.UTC)
                done = await rulesets.publish_text(session, actor, text, note, activate, now)
        except ActionRefused as e:  # too long for the warehouse or its audit entry
            raise Failure(f"cannot publish: {e}", EX_USAGE) from None
        return done.version


@rules_app.command("activate")
def rules_activate(ctx: typer.Context, version: int, author: AuthorOpt = None) -> None:
    """Make VERSION the live rule set (consumers pick it up within scoring.model_poll_s)."""
    asyncio.run(_switch(settings_from(ctx), version, "live", _actor(author)))
    typer.echo(f"rule set version {version} is live")


@rules_app.command("shadow")
def rules_shadow(
    ctx: typer.Context,
    version: Annotated[int | None, typer.Argument(help="The version to run in shadow.")] = None,
    stop: Annotated[bool, typer.Option("--stop", help="Stop the shadow run.")] = False,
    author: AuthorOpt = None,
) -> None:
    """Run VERSION in shadow next to the live one (decisions recorded, never acted on)."""
    if (version is None) == (not stop):
        raise Failure("give a VERSION to run in shadow, or --stop", EX_USAGE)
    asyncio.run(_switch(settings_from(ctx), version, "shadow", _actor(author)))
    typer.echo("shadow run stopped" if stop else f"rule set version {version} runs in shadow")


@rules_app.command("compare")
def rules_compare(
    ctx: typer.Context,
    hours: Annotated[float, typer.Option(min=0.0, help="How far back to compare.")] = 24.0,
) -> None:
    """The version in shadow against the live decisions on the same transactions: one JSON
    line per (live, shadow, label) with its count (label null: not labelled yet)."""
    shadow, cells = asyncio.run(_compare(settings_from(ctx), hours))
    if shadow is None:
        raise Failure("no version runs in shadow: start one with `fraudd rules shadow VERSION`")
    for cell in cells:
        typer.echo(json.dumps({"shadow_version": shadow, **dataclasses.asdict(cell)}))


async def _compare(settings: Settings, hours: float) -> tuple[int | None, list[ShadowCell]]:
    since = dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours)
    async with _session(settings) as session:
        shadow = await session.shadow_rule_set_version()
        if shadow is None:
            return None, []
        return shadow.version, await session.shadow_comparison(shadow.version, since)


async def _switch(settings: Settings, version: int | None, role: str, actor: Actor) -> None:
    """Make ``version`` live or shadow (None: stop the shadow run), audited
    (rules.activated, rules.shadowed), as the console's database user."""
    async with _session(settings.for_people()) as session:
        await live_or_first(session, settings)
        if version is not None:
            stored = await session.get_rule_set(version)
            if stored is None:
                raise Failure(f"no rule set version {version}: {LIST_HINT}")
            kept = kept_lists(await session.rule_lists())
            try:  # a version this fraudd cannot compile must not become live
                compile_version(stored, rule_schema(settings), kept)
            except RuleSetError as e:
                raise Failure(f"{e}: it cannot become {role}") from None
        now = dt.datetime.now(dt.UTC)
        try:
            async with session.transaction():
                if role == "live":
                    assert version is not None
                    await rulesets.activate(session, actor, version, False, now)
                else:
                    await rulesets.shadow(session, actor, version, now)
        except ActionRefused as e:
            raise Failure(str(e)) from None
