"""``fraudd config example``: print a configuration example shipped in the package.

Operators start ``/etc/fraudd/fraudd.toml`` from it (``install.sh`` does), so it must come from
the installed package, not from a checkout.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from fraudd.cli.app import config_app
from fraudd.examples import example_text


@config_app.command("example")
def config_example(
    aws: Annotated[
        bool, typer.Option("--aws", help="The AWS deployment (every setting documented).")
    ] = False,
    local: Annotated[bool, typer.Option("--local", help="The embedded local stack.")] = False,
) -> None:
    """Print a configuration example: --aws (default) or --local."""
    if aws and local:
        typer.echo("fraudd: config example: choose one of --aws and --local", err=True)
        raise typer.Exit(2)
    sys.stdout.write(example_text("local" if local else "aws"))
