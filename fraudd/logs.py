"""Structured logging: JSON lines to stdout in production, a console renderer on a TTY.

Standard-library loggers (botocore, psycopg, ...) are routed through the same processors, so one
process writes one format. Event names are ``component.past_tense`` with data as keywords.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, Literal, TextIO

import structlog

LogFormat = Literal["auto", "json", "console"]

_QUIET_LOGGERS = ("botocore", "aiobotocore", "urllib3", "psycopg.pool", "asyncio", "aiohttp.access")


def configure_logging(
    fmt: LogFormat = "auto", level: str = "info", stream: TextIO | None = None
) -> None:
    """Configure structlog and the standard library for the whole process (call once at start).

    Logs go to ``stream`` (default stdout); ``auto`` means console on a terminal, else JSON.
    Python warnings are logged too, so nothing else writes to the terminal behind a live view.
    """
    out = stream or sys.stdout
    use_console = fmt == "console" or (fmt == "auto" and out.isatty())
    shared = _shared_processors(use_console)
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    _route_standard_library(out, shared, use_console, level)


def _shared_processors(use_console: bool) -> list[Any]:
    """What structlog's and the standard library's records both go through before rendering."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]
    if not use_console:  # the console renderer prints tracebacks itself
        shared.append(structlog.processors.format_exc_info)
    return shared


def _route_standard_library(out: TextIO, shared: list[Any], use_console: bool, level: str) -> None:
    """One handler on the root logger renders every record, structlog's and the libraries'."""
    renderer: Any = (
        structlog.dev.ConsoleRenderer()
        if use_console
        else structlog.processors.JSONRenderer(sort_keys=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.captureWarnings(True)
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
