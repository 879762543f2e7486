"""Failures as one line on stderr: what is wrong and what to do, with an exit code.

Every command's exceptions end here (:func:`fail_with_one_line`, called by ``fraudd.cli.main``):
known ones become one line (``fraudd: <what is wrong>: <what to do>``) and an exit code, anything
else a line that asks for a bug report. ``--debug`` or ``FRAUDD_DEBUG=1`` prints the traceback
as well. Exit codes follow sysexits.h where one fits:

- 1 a failed operation (a warehouse statement, rejected rows, an empty window)
- 2 unusable input or options (an unreadable history file, a bad option)
- 69 (EX_UNAVAILABLE) the warehouse, the stream or a local-stack component cannot be reached
- 70 (EX_SOFTWARE) an unexpected error: a bug
- 78 (EX_CONFIG) bad or missing configuration

The warehouse's errors are mapped by SQLSTATE here, in the command-line layer, so that the
modules that send the statements need not know how a failure is worded for a person.
"""

from __future__ import annotations

import errno
import os
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from fraudd.settings import EX_CONFIG, ConfigError, settings_error

if TYPE_CHECKING:
    from fraudd.settings import Settings

EX_FAILED = 1
EX_USAGE = 2
EX_UNAVAILABLE = 69
EX_SOFTWARE = 70

LOCAL_HINT = (
    "for the local stack run `fraudd local up`, then pass `--config config/local.toml` "
    "(or export FRAUDD_CONFIG=config/local.toml)"
)
MIGRATE_HINT = "run `fraudd migrate` with the same configuration first"
UNDEFINED = {"42P01": "table", "3F000": "schema", "42883": "function"}
LOGIN_FAILED = {"28P01", "28000"}


class Failure(Exception):
    """An expected failure a command reports itself: ``message`` is the whole line's text."""

    def __init__(self, message: str, code: int = EX_FAILED) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Context:
    """What the error lines may mention: set once the command has parsed its options."""

    debug: bool = False
    config_given: bool = False
    settings: Settings | None = None


CONTEXT = Context(debug=os.environ.get("FRAUDD_DEBUG", "").lower() in ("1", "true", "yes"))


def fail_with_one_line(exc: BaseException) -> int:
    """Print ``exc`` as one line on stderr (and the traceback with --debug); the exit code."""
    message, code = describe(exc)
    if CONTEXT.debug:
        traceback.print_exception(exc, file=sys.stderr)
    sys.stderr.write(f"fraudd: {message}\n")
    return code


def describe(exc: BaseException) -> tuple[str, int]:
    """The line (without the ``fraudd:`` prefix) and exit code for an exception."""
    leaf = _first_leaf(exc)
    for mapper in (_ours, _warehouse, _aws, _os):
        found = mapper(leaf)
        if found is not None:
            return _one_line(found[0]), found[1]
    bug = f"unexpected error: {type(leaf).__name__}: {_first_line(str(leaf))}"
    return bug + " (rerun with --debug for the traceback and report it)", EX_SOFTWARE


def _first_leaf(exc: BaseException) -> BaseException:
    """The first real error inside task-group exception groups."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else ""


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _ours(exc: BaseException) -> tuple[str, int] | None:
    from fraudd.history.columns import LayoutError
    from fraudd.localstack import LocalStackError

    if isinstance(exc, Failure):
        return str(exc), exc.code
    exc = settings_error(exc) or exc  # a settings variant a command derived from its options
    if isinstance(exc, ConfigError):
        return _config(str(exc)), EX_CONFIG
    if isinstance(exc, LocalStackError):
        text = _first_line(str(exc))
        if text.startswith("warehouse.password"):  # a setting, not a broken component
            return f"invalid configuration: {text} (config/local.toml sets one)", EX_CONFIG
        return f"local stack: {text}", EX_UNAVAILABLE
    if isinstance(exc, LayoutError):
        return str(exc), EX_USAGE
    return None


def _config(text: str) -> str:
    if CONTEXT.config_given or "config file" in text:
        return text
    return f"{text} (no configuration given: {LOCAL_HINT})"


def _warehouse(exc: BaseException) -> tuple[str, int] | None:
    from fraudd.warehouse import WarehouseError

    if not isinstance(exc, WarehouseError):
        return None
    text = _first_line(str(exc))
    detail = text.split(": ", 1)[1] if text.split(": ", 1)[0].isidentifier() else text
    if exc.sqlstate in UNDEFINED:
        schema = CONTEXT.settings.warehouse.schema_name if CONTEXT.settings else "the schema"
        return f"warehouse: {detail}: {schema} is not set up: {MIGRATE_HINT}", EX_FAILED
    if exc.sqlstate in LOGIN_FAILED:
        hint = "check warehouse.user and warehouse.password"
        if not CONTEXT.config_given:
            hint = f"no configuration given: {LOCAL_HINT}"
        return f"warehouse: {detail}: {hint}", EX_CONFIG
    if text.startswith("cannot connect"):
        return f"warehouse: {text}: {_where_hint('warehouse.host and warehouse.port')}", (
            EX_UNAVAILABLE
        )
    return f"warehouse: {text}", EX_FAILED


def _where_hint(settings_names: str) -> str:
    if not CONTEXT.config_given:
        return f"no configuration given: {LOCAL_HINT}"
    return f"is it running? (`fraudd local up` for the local stack), else check {settings_names}"


def _aws(exc: BaseException) -> tuple[str, int] | None:
    from botocore import exceptions as bx

    if isinstance(exc, bx.EndpointConnectionError | bx.ConnectTimeoutError):
        url = getattr(exc, "kwargs", {}).get("endpoint_url", "")
        hint = _where_hint("kinesis.endpoint_url, sns.endpoint_url and aws.endpoint_url")
        return f"cannot reach {url or 'the AWS endpoint'}: {hint}", EX_UNAVAILABLE
    if isinstance(exc, bx.NoCredentialsError | bx.NoRegionError):
        return f"AWS: {exc}: set aws.access_key_id/secret_access_key locally", EX_CONFIG
    if isinstance(exc, bx.ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        message = exc.response.get("Error", {}).get("Message", "") or str(exc)
        if code in ("ResourceNotFoundException", "NotFound", "NotFoundException"):
            return (
                f"AWS: {message}: create it (`fraudd local up` on the local stack, the "
                "CloudFormation stack on AWS) or fix its name in the configuration",
                EX_UNAVAILABLE,
            )
        return f"AWS {code}: {message}", EX_FAILED
    return None


def _os(exc: BaseException) -> tuple[str, int] | None:
    if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
        console = CONTEXT.settings.console.port if CONTEXT.settings else None
        if console and f", {console})" in str(exc):
            return (
                f"port {console} (the investigators' console) is in use by another program: "
                "change console.port (FRAUDD_CONSOLE__PORT), or stop the other fraudd",
                EX_UNAVAILABLE,
            )
        port = CONTEXT.settings.http.port if CONTEXT.settings else "http.port"
        return (
            f"port {port} (metrics endpoint) is in use by another program: change http.port "
            f"(FRAUDD_HTTP__PORT), or stop the other fraudd (another demo or `fraudd run`)",
            EX_UNAVAILABLE,
        )
    if isinstance(exc, FileNotFoundError | IsADirectoryError | PermissionError):
        name = exc.filename or ""
        return f"cannot read {name}: {exc.strerror}: give a readable file", EX_USAGE
    return None


def read_text(path: Path, hint: str) -> str:
    """A text file's UTF-8 content, or a Failure in one line (unreadable, or not UTF-8: then
    ``hint`` says what to give)."""
    refused = unreadable_file(path)
    if refused is not None:
        raise refused
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise Failure(f"{path}: not UTF-8 text: {hint}", EX_USAGE) from None


def unreadable_file(path: Path) -> Failure | None:
    """A Failure if ``path`` is not a readable regular file (checked before anything opens)."""
    if not path.exists():
        return Failure(f"cannot read {path}: no such file: give a readable file", EX_USAGE)
    if not path.is_file():
        return Failure(f"cannot read {path}: not a regular file: give a readable file", EX_USAGE)
    if not os.access(path, os.R_OK):
        return Failure(f"cannot read {path}: permission denied: give a readable file", EX_USAGE)
    return None
