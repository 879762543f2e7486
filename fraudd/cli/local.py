"""``fraudd local up | down | status``: the embedded local stack (local profile by default)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from fraudd.cli.app import local_app, settings_from

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of lines.")]


@local_app.command("up")
def local_up(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Start kinesalite, moto and PostgreSQL; create the stream, topic and queue."""
    from fraudd import localstack

    info = localstack.up(settings_from(ctx, local_default=True))
    if as_json:
        typer.echo(json.dumps(_plain(info), indent=2, default=str))
        return
    typer.echo(
        f"local stack up (state in {info.state_dir}):\n"
        f"  Kinesis     {info.kinesis_endpoint}  stream {info.stream_name}\n"
        f"  SNS/SQS     {info.moto_endpoint}  topic {info.topic_arn}\n"
        f"  PostgreSQL  {info.postgres_host}:{info.postgres_port}\n"
        "other commands reach it with --config config/local.toml "
        "(or export FRAUDD_CONFIG=config/local.toml); stop it with `fraudd local down`"
    )


@local_app.command("down")
def local_down(
    ctx: typer.Context,
    purge: Annotated[bool, typer.Option(help="Also delete the state directory.")] = False,
) -> None:
    """Stop the processes `local up` started."""
    from fraudd import localstack

    localstack.down(settings_from(ctx, local_default=True), purge=purge)
    typer.echo("local stack stopped" + (" and purged" if purge else ""))


@local_app.command("status")
def local_status(ctx: typer.Context) -> None:
    """Show each local component and its endpoint (exit 3 when one is not running)."""
    from fraudd import localstack

    status = localstack.status(settings_from(ctx, local_default=True))
    typer.echo(json.dumps(status, indent=2, default=_plain))
    running = all(getattr(s, "running", False) for s in status.values())
    raise typer.Exit(0 if running else 3)


def _plain(obj: Any) -> Any:
    """JSON data of a model or dataclass: numbers, booleans and null stay what they are."""
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if hasattr(obj, "__dataclass_fields__"):
        return {k: _plain(getattr(obj, k)) for k in obj.__dataclass_fields__}
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    return str(obj)
