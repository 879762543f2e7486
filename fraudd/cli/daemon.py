"""Commands that run or prepare the daemon: ``run``, ``migrate``, ``config show``."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

import typer

from fraudd.cli.app import app, config_app, parse_instance, parse_roles, settings_from
from fraudd.settings import EX_CONFIG, Settings, redacted


@app.command()
def run(
    ctx: typer.Context,
    roles: Annotated[
        str | None, typer.Option(help="Comma-separated: producer,ingest,consumer,actions")
    ] = None,
    instance: Annotated[
        str | None, typer.Option(help="Consumer partition I-of-N (systemd %i).")
    ] = None,
) -> None:
    """Run the daemon with the configured (or given) roles until SIGTERM."""
    from fraudd.service.daemon import serve
    from fraudd.service.exit import CLOSE_S, ExitDeadline, exit_process
    from fraudd.service.startup import StartupError

    overrides: dict[str, Any] = {}
    if roles is not None:
        overrides["roles"] = parse_roles(roles)
    if instance is not None:
        base = settings_from(ctx)
        overrides["consumer"] = base.derive(consumer=parse_instance(instance)).consumer
    settings = settings_from(ctx, **overrides)
    deadline = ExitDeadline(settings.grace_period_s + CLOSE_S)
    try:
        code = asyncio.run(serve(settings, settings.roles, on_signal=deadline.arm))
    except StartupError as exc:
        typer.echo(f"fraudd: {exc}", err=True)
        raise typer.Exit(EX_CONFIG) from None
    exit_process(code)  # everything is closed: skip the interpreter's slow teardown


@app.command()
def migrate(
    ctx: typer.Context,
    sql: bool = typer.Option(
        False, "--sql", help="Print every migration's SQL for this configuration; apply nothing."
    ),
) -> None:
    """Apply pending warehouse migrations (idempotent)."""
    settings = settings_from(ctx)
    if sql:
        from fraudd.warehouse import migration_script as script

        typer.echo(script(settings))
        return
    applied = asyncio.run(_migrate(settings))
    typer.echo(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none pending'}")


async def _migrate(settings: Settings) -> list[str]:
    from fraudd.warehouse import apply_migrations as apply
    from fraudd.warehouse import opened_warehouse

    async with opened_warehouse(settings) as wh:
        return await apply(wh, settings)


@config_app.command("show")
def config_show(ctx: typer.Context) -> None:
    """Print the effective settings as JSON, secrets redacted."""
    settings = settings_from(ctx)
    typer.echo(json.dumps(redacted(settings), indent=2, default=str))
