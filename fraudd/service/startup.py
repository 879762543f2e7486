"""Checks at start-up that turn a deployment mistake into one clear line (exit 78), instead of
a task that fails on its first poll and is restarted by systemd in a loop."""

from __future__ import annotations

from fraudd.deps import Deps
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
