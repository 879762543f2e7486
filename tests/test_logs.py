"""fraudd.logs: one format per process — JSON lines off a terminal, the console renderer on
one — for structlog's events and the standard library's records alike."""

from __future__ import annotations

import io
import json
import logging
import warnings
from datetime import datetime

import pytest
import structlog

from fraudd.logs import LogFormat, configure_logging


class Terminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def configured(fmt: LogFormat, stream: io.StringIO, level: str = "info") -> io.StringIO:
    configure_logging(fmt, level, stream)
    return stream


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_carry_the_event_its_data_level_logger_and_utc_time() -> None:
    out = configured("json", io.StringIO())
    structlog.get_logger("fraudd.tasks.consumer").info("consumer.batch_done", rows=3)
    [line] = lines(out)
    assert line["event"] == "consumer.batch_done" and line["rows"] == 3
    assert line["level"] == "info" and line["logger"] == "fraudd.tasks.consumer"
    offset = datetime.fromisoformat(str(line["timestamp"])).utcoffset()
    assert offset is not None and offset.total_seconds() == 0


def test_standard_library_records_come_out_in_the_same_format() -> None:
    out = configured("json", io.StringIO())
    logging.getLogger("psycopg").warning("connection lost")
    [line] = lines(out)
    assert (line["event"], line["level"]) == ("connection lost", "warning")
    assert line["logger"] == "psycopg"


def test_an_exception_is_one_json_line_with_its_traceback() -> None:
    out = configured("json", io.StringIO())
    try:
        raise ValueError("bad record")
    except ValueError:
        structlog.get_logger("fraudd").exception("consumer.batch_failed")
    [line] = lines(out)
    assert "ValueError: bad record" in str(line["exception"])


def test_auto_is_json_off_a_terminal_and_console_on_one() -> None:
    piped = configured("auto", io.StringIO())
    structlog.get_logger("fraudd").info("daemon.started")
    assert lines(piped)[0]["event"] == "daemon.started"
    structlog.reset_defaults()
    tty = configured("auto", Terminal())
    structlog.get_logger("fraudd").info("daemon.started", roles="consumer")
    text = tty.getvalue()
    assert "daemon.started" in text and "roles" in text
    with pytest.raises(json.JSONDecodeError):
        json.loads(text.splitlines()[0])


def test_the_level_filters_and_chatty_libraries_log_warnings_only() -> None:
    out = configured("json", io.StringIO(), level="debug")
    structlog.get_logger("fraudd").debug("consumer.polled")
    logging.getLogger("botocore").info("endpoint resolved")
    logging.getLogger("aiobotocore").warning("retry needed")
    assert [line["event"] for line in lines(out)] == ["consumer.polled", "retry needed"]
    quiet = configured("json", io.StringIO(), level="warning")
    structlog.get_logger("fraudd").info("consumer.polled")
    assert quiet.getvalue() == ""


def test_python_warnings_are_logged_not_printed() -> None:
    out = configured("json", io.StringIO())
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("deprecated option", DeprecationWarning, stacklevel=1)
    [line] = lines(out)
    assert line["logger"] == "py.warnings" and "deprecated option" in str(line["event"])
