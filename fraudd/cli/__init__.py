"""The ``fraudd`` command line: one module per group of commands, all on one typer app."""

from __future__ import annotations

import sys

from fraudd.cli import cases, daemon, data, demo, examples, local, model  # noqa: F401  (register commands)
from fraudd.cli.app import app


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
