"""The ``fraudd`` command line: one module per group of commands, all on one typer app.

:func:`main` runs the app without click's standalone handling, so that every failure, a usage
error included, ends as one line on stderr (:mod:`fraudd.cli.errors`).
"""

from __future__ import annotations

import sys

import typer

from fraudd.cli import (  # noqa: F401  (register commands)
    cases,
    daemon,
    data,
    demo,
    examples,
    features,
    local,
    model,
    rule_lists,
    rules,
    rules_backtest,
)
from fraudd.cli.app import app
from fraudd.cli.errors import EX_USAGE, fail_with_one_line


def main() -> None:
    """Console-script entry point."""
    try:
        code = app(standalone_mode=False)
    except KeyboardInterrupt:
        sys.exit(130)
    except typer.Abort:
        sys.exit(130)
    except typer.TyperException as exc:  # click's usage errors (typer carries its own click)
        ctx = getattr(exc, "ctx", None)
        hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        sys.stderr.write(f"fraudd: {' '.join(message.split())}{hint}\n")
        sys.exit(getattr(exc, "exit_code", None) or EX_USAGE)
    except Exception as exc:
        sys.exit(fail_with_one_line(exc))
    sys.exit(code if isinstance(code, int) else 0)
