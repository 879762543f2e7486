"""The typer application and what every command shares: global options and settings loading.

Commands load settings at start; bad configuration prints one line naming the key and the
problem and exits 78 (EX_CONFIG). ``fraudd local`` and ``fraudd demo`` use the local profile
(``config/local.toml``) when no configuration is given; the other commands say how to point them
at the local stack when what they need cannot be reached."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import structlog
import typer

from fraudd.cli import errors
from fraudd.examples import example_path
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
rules_app = typer.Typer(
    help="The fraud team's rule sets: check, publish, activate, shadow, backtest.",
    no_args_is_help=True,
)
app.add_typer(config_app, name="config")
app.add_typer(local_app, name="local")
app.add_typer(rules_app, name="rules")
log = structlog.get_logger("fraudd.cli")

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", "-c", help="TOML file (or $FRAUDD_CONFIG).")
]
LogFormatOpt = Annotated[str | None, typer.Option("--log-format", help="auto | json | console")]
DebugOpt = Annotated[
    bool, typer.Option("--debug", help="Show the traceback of a failure (or FRAUDD_DEBUG=1).")
]
LOCAL_PROFILE = example_path("local")  # shipped in the package (config/ links to it)
"""The local stack's configuration, used by ``local`` and ``demo`` when none is given."""
_NOT_CONFIGURATION = ("FRAUDD_DEBUG", "FRAUDD_LOG_FORMAT", "FRAUDD_LOG_LEVEL")


@dataclass
class Globals:
    config: Path | None = None
    log_format: str | None = None


@app.callback()
def main_options(
    ctx: typer.Context,
    config: ConfigOpt = None,
    log_format: LogFormatOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Options shared by every command."""
    ctx.obj = Globals(config, log_format)
    errors.CONTEXT.debug = errors.CONTEXT.debug or debug


def configuration_given(config: Path | None) -> bool:
    """Whether the user configured anything: a file, $FRAUDD_CONFIG or a FRAUDD_* setting."""
    if config is not None or os.environ.get("FRAUDD_CONFIG"):
        return True
    return any(k.startswith("FRAUDD_") and k not in _NOT_CONFIGURATION for k in os.environ)


def settings_from(ctx: typer.Context, *, local_default: bool = False, **overrides: Any) -> Settings:
    """Load settings for a command, or exit 78 with one clear line.

    With ``local_default`` and neither ``--config`` nor ``$FRAUDD_CONFIG``, the local profile is
    the file (``FRAUDD_*`` variables still override it).
    """
    g: Globals = ctx.obj or Globals()
    errors.CONTEXT.config_given = configuration_given(g.config)
    config = g.config
    if local_default and config is None and not os.environ.get("FRAUDD_CONFIG"):
        config = _local_profile()
        errors.CONTEXT.config_given = True
    if g.log_format is not None:
        overrides.setdefault("log_format", g.log_format)
    try:
        settings = load_settings(config, **overrides)
    except ConfigError as exc:
        typer.echo(f"fraudd: {errors.describe(exc)[0]}", err=True)
        raise typer.Exit(EX_CONFIG) from None
    errors.CONTEXT.settings = settings
    configure_logging(settings.log_format, settings.log_level)
    return settings


def _local_profile() -> Path:
    if not LOCAL_PROFILE.is_file():
        raise errors.Failure(
            f"no configuration given and no local profile at {LOCAL_PROFILE}: "
            "pass --config FILE (or set FRAUDD_CONFIG)",
            EX_CONFIG,
        )
    return LOCAL_PROFILE


def parse_roles(text: str) -> tuple[Role, ...]:
    roles = tuple(r.strip() for r in text.split(",") if r.strip())
    unknown = [r for r in roles if r not in KNOWN_ROLES]
    if unknown or not roles:
        what = f"unknown role(s) {unknown}" if unknown else "no role given"
        typer.echo(
            f"fraudd: invalid configuration: roles: {what}; choose from {','.join(KNOWN_ROLES)}",
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
