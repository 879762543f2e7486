"""Checks at start-up that turn a deployment mistake into one clear line (exit 78), instead of
a task that fails on its first poll and is restarted by systemd in a loop."""

from __future__ import annotations

from fraudd.deps import Deps
from fraudd.features import refusal
from fraudd.rules import RuleSetError
from fraudd.rules.inputs import rule_schema
from fraudd.rules.lists import kept_lists
from fraudd.scoring.policy import compile_version
from fraudd.settings import Role


class StartupError(Exception):
    """The deployment cannot work as configured; the message says what to change."""


async def check(deps: Deps, roles: tuple[Role, ...]) -> None:
    """Raise :class:`StartupError` when a configured role cannot work against this warehouse."""
    settings = deps.settings
    wh = settings.warehouse
    if "console" in roles:
        await _check_console(deps)
    if "actions" in roles and settings.profile == "aws" and settings.sns.topic_arn is None:
        raise StartupError(
            "sns.topic_arn is not set: on AWS the stack creates the alert topic and the instance "
            "role may only publish to it (deploy/aws/fraudd.yaml grants no sns:CreateTopic); set "
            "sns.topic_arn to the stack's TopicArn output"
        )
    if "consumer" in roles and settings.scoring.backend in ("local", "sagemaker"):
        await _check_catalog(deps)
    if "consumer" in roles:
        await _check_rules(deps)
    if "consumer" in roles and wh.refresh_view:
        async with deps.warehouse.session() as session:
            refreshable = await session.view_refreshable()
        if not refreshable:
            raise StartupError(
                f"warehouse.refresh_view = true, but user {wh.user!r} does not own the streaming "
                f"view {wh.schema_name}.{wh.streaming_view}, and only its owner may REFRESH it: "
                "create it as this user (run `fraudd migrate` with warehouse.user set to it) or "
                "turn on redshift.auto_refresh and set warehouse.refresh_view = false"
            )


async def _check_catalog(deps: Deps) -> None:
    """The active model must have been trained with the configured feature catalog: its
    features would otherwise be computed differently than at training (invariant 5)."""
    async with deps.warehouse.session() as session:
        active = await session.active_model()
    why = None if active is None else refusal(active, deps.settings.features.selected())
    if why is not None:
        raise StartupError(why)


UNDO = {
    "live": "make another version live (`fraudd rules activate VERSION`)",
    "in shadow": "stop the shadow run (`fraudd rules shadow --stop`)",
}


async def _check_rules(deps: Deps) -> None:
    """The live and the shadow rule set must read only names this configuration has: a field
    or feature removed since a version was published would otherwise match nothing, silently."""
    async with deps.warehouse.session() as session:
        versions = {
            "live": await session.live_rule_set(),
            "in shadow": await session.shadow_rule_set_version(),
        }
        kept = kept_lists(await session.rule_lists())
    schema = rule_schema(deps.settings)
    for role, version in versions.items():
        if version is None:
            continue
        try:
            compile_version(version, schema, kept)
        except RuleSetError as e:
            raise StartupError(
                f"{e} — that version is {role}: declare the name again ([fields] or the "
                f"[features] catalog) or {UNDO[role]}"
            ) from None


async def _check_console(deps: Deps) -> None:
    """The console needs the cases tables (migration 0005) before it can serve a page."""
    from fraudd.warehouse import pending_migrations as pending

    missing = await pending(deps.warehouse, deps.settings)  # type: ignore[arg-type]
    if missing:
        wh = deps.settings.warehouse
        raise StartupError(
            f"the console needs migration(s) {', '.join(missing)} in schema {wh.schema_name}: "
            "run `fraudd migrate` first"
        )
