"""The typer application and what every command shares: global options and settings loading.

Commands load settings at start; bad configuration prints one line naming the key and the
problem and exits 78 (EX_CONFIG)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import structlog
import typer

from fraudd.logs import configure_logging
from fraudd.settings import (
    EX_CONFIG,
    KNOWN_ROLES,
    ConfigError,
    Role,
    Settings,
    load_settings,
)

app = typer.Typer(
    help="Near-real-time card-fraud detection daemon.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(help="Inspect the configuration.", no_args_is_help=True)
local_app = typer.Typer(
    help="The embedded local stack (kinesalite, moto, PostgreSQL).", no_args_is_help=True
)
app.add_typer(config_app, name="config")
app.add_typer(local_app, name="local")
log = structlog.get_logger("fraudd.cli")

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", "-c", help="TOML file (or $FRAUDD_CONFIG).")
]
LogFormatOpt = Annotated[str | None, typer.Option("--log-format", help="auto | json | console")]


@dataclass
class Globals:
    config: Path | None = None
    log_format: str | None = None


@app.callback()
def main_options(
    ctx: typer.Context, config: ConfigOpt = None, log_format: LogFormatOpt = None
) -> None:
    """Options shared by every command."""
    ctx.obj = Globals(config, log_format)


def settings_from(ctx: typer.Context, **overrides: Any) -> Settings:
    """Load settings for a command, or exit 78 with one clear line."""
    g: Globals = ctx.obj or Globals()
    if g.log_format is not None:
        overrides.setdefault("log_format", g.log_format)
    try:
        settings = load_settings(g.config, **overrides)
    except ConfigError as exc:
        typer.echo(f"fraudd: {exc}", err=True)
        raise typer.Exit(EX_CONFIG) from None
    configure_logging(settings.log_format, settings.log_level)
    return settings


def parse_roles(text: str) -> tuple[Role, ...]:
    roles = tuple(r.strip() for r in text.split(",") if r.strip())
    unknown = [r for r in roles if r not in KNOWN_ROLES]
    if unknown or not roles:
        typer.echo(
            f"fraudd: invalid configuration: roles: unknown role(s) {unknown}; "
            f"choose from {','.join(KNOWN_ROLES)}",
            err=True,
        )
        raise typer.Exit(EX_CONFIG)
    return roles  # type: ignore[return-value]


def parse_instance(text: str) -> dict[str, int]:
    """``"1-of-4"`` (a systemd template instance name) → consumer instance settings."""
    m = re.fullmatch(r"(\d+)-of-(\d+)", text)
    if not m:
        typer.echo(
            "fraudd: invalid configuration: --instance: expected I-of-N, e.g. 0-of-2", err=True
        )
        raise typer.Exit(EX_CONFIG)
    return {"instance_index": int(m.group(1)), "instance_count": int(m.group(2))}
