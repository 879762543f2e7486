"""``fraudd local up | down | status``: the embedded local stack."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from fraudd.cli.app import local_app, settings_from


@local_app.command("up")
def local_up(ctx: typer.Context) -> None:
    """Start kinesalite, moto and PostgreSQL; create the stream, topic and queue."""
    from fraudd import localstack

    info = localstack.up(settings_from(ctx))
    typer.echo(json.dumps(_info_dict(info), indent=2, default=str))


@local_app.command("down")
def local_down(
    ctx: typer.Context,
    purge: Annotated[bool, typer.Option(help="Also delete the state directory.")] = False,
) -> None:
    """Stop the processes `local up` started."""
    from fraudd import localstack

    localstack.down(settings_from(ctx), purge=purge)
    typer.echo("local stack stopped" + (" and purged" if purge else ""))


@local_app.command("status")
def local_status(ctx: typer.Context) -> None:
    """Show each local component and its endpoint."""
    from fraudd import localstack

    status = localstack.status(settings_from(ctx))
    typer.echo(json.dumps(status, indent=2, default=_plain))
    running = all(getattr(s, "running", False) for s in status.values())
    raise typer.Exit(0 if running else 3)


def _plain(obj: Any) -> Any:
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if hasattr(obj, "__dataclass_fields__"):
        return {k: _plain(getattr(obj, k)) for k in obj.__dataclass_fields__}
    return str(obj)


def _info_dict(info: Any) -> Any:
    return _plain(info)
