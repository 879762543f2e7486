"""Pieces both drivers share: which errors are worth a retry, bulk INSERT chunks, row types."""

from __future__ import annotations

import collections
import csv
import functools
import io
import re
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Sequence,
)
from typing import Any, cast

from fraudd.warehouse.base import Row
from fraudd.warehouse.sqlfiles import validate_identifier

# SQLSTATEs after which the same statement may succeed on a retry (possibly on a new connection).
# Beyond the classic set (connection exceptions, serialization failure, deadlock, admin/crash
# shutdown, cannot connect now, too many connections) we include query_canceled (57014: a
# statement timeout under load) and lock_not_available (55P03: lock timeout).
TRANSIENT_SQLSTATES = frozenset(
    {"40001", "40P01", "57P01", "57P02", "57P03", "53300", "57014", "55P03"}
)
# The connection itself is gone or unusable after these: drop it rather than reuse it.
CONNECTION_LOST_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})
# Redshift reports a serialization conflict as SQLSTATE XX000 with the bare number in the message
# and the words in the detail: {'S': 'ERROR', 'C': 'XX000', 'M': '1023', 'D': 'Serializable
# isolation violation on table - 119371, transactions forming the cycle are: 1745830, 1745762
# (pid:15021)', ...} (a redshift_connector error quoted in aws/aws-sdk-pandas issue #665).
# JDBC prints the same error as "ERROR: 1023 DETAIL: Serializable isolation violation on table"
# (AWS Knowledge Center, "redshift-serializable-isolation"). Concurrent writes can also end in
# "could not complete because of conflict with concurrent transaction" (the Redshift JDBC
# driver's issue #147), which a retry resolves the same way.
REDSHIFT_SERIALIZATION_CODE = "1023"
# the number as a whole word: Redshift's other internal errors (XX000) carry other numbers
_REDSHIFT_CONFLICT_MESSAGE = re.compile(rf"^\s*{REDSHIFT_SERIALIZATION_CODE}\b")
_REDSHIFT_CONFLICT_IN_TEXT = re.compile(rf": {REDSHIFT_SERIALIZATION_CODE}\b")
_REDSHIFT_CONFLICT_WORDS = (
    "serializable isolation violation",
    "conflict with concurrent transaction",
)
# PostgreSQL's wire protocol caps bound parameters per statement at 65535 (Int16 count, which
# redshift_connector treats as signed); stay well below and keep statements small.
MAX_PARAMS_PER_STATEMENT = 30000
MAX_ROWS_PER_INSERT = 1000
# Redshift's largest statement is 16 MB (Amazon Redshift quotas and limits: "Maximum size of a
# single SQL statement"). A chunk's parameters are kept under half of that, counting bytes as
# the hex text they travel as, so a batch of large dead letters never makes a statement that
# fails on every retry (a poison batch).
MAX_STATEMENT_BYTES = 8 * 1024 * 1024


def fields_are_serialization_conflict(
    sqlstate: str | None, message: str = "", detail: str = ""
) -> bool:
    """True for a server error's fields that say serialization conflict: PostgreSQL's 40001, or
    Redshift's error 1023.

    Redshift's shape is read from all three fields (code XX000, message ``1023``, the words in
    the detail), and from the words alone wherever they appear.
    """
    if sqlstate == "40001":
        return True
    if sqlstate == "XX000" and _REDSHIFT_CONFLICT_MESSAGE.match(message):
        return True
    text = f"{message} {detail}".lower()
    return any(words in text for words in _REDSHIFT_CONFLICT_WORDS)


def sqlstate_is_transient(sqlstate: str | None, message: str = "", detail: str = "") -> bool:
    """True when a server error (SQLSTATE, message, detail) may go away on a retry."""
    if sqlstate is not None and (sqlstate.startswith("08") or sqlstate in TRANSIENT_SQLSTATES):
        return True
    return fields_are_serialization_conflict(sqlstate, message, detail)


def is_serialization_conflict(error: Exception) -> bool:
    """True for a serialization failure: PostgreSQL's 40001, or Redshift's error 1023
    ("Serializable isolation violation", SQLSTATE XX000, the number in the message field).

    Drivers put the server's message and detail into the error's text (see
    ``redshift_driver.map_error``), so the text is read as message and detail at once.
    """
    sqlstate = getattr(error, "sqlstate", None)
    text = str(error)
    return fields_are_serialization_conflict(sqlstate, text) or (
        sqlstate == "XX000" and _REDSHIFT_CONFLICT_IN_TEXT.search(text) is not None
    )


# libpq reports a refused login without a SQLSTATE; these say retrying cannot help.
_PERMANENT_LOGIN_FAILURES = (
    "password authentication failed",
    "authentication failed",
    "no pg_hba.conf entry",
    "does not exist",
    "permission denied",
)


def login_failure_is_permanent(message: str) -> bool:
    """True when a failed connection attempt was refused for a reason a retry will not fix."""
    lowered = message.lower()
    return any(hint in lowered for hint in _PERMANENT_LOGIN_FAILURES)


def qualified_table(table: str, default_schema: str) -> str:
    """``name`` or ``schema.name`` -> validated ``schema.name`` (schema defaults to ours)."""
    parts = table.split(".")
    if len(parts) == 1:
        parts = [default_schema, *parts]
    if len(parts) != 2:
        raise ValueError(f"table must be name or schema.name: {table!r}")
    return ".".join(validate_identifier(p) for p in parts)


def column_list(columns: Sequence[str]) -> str:
    """Validated, comma-separated column names."""
    if not columns:
        raise ValueError("at least one column is required")
    return ", ".join(validate_identifier(c) for c in columns)


def insert_chunks(
    table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> Iterator[tuple[str, list[Any]]]:
    """Multi-row ``INSERT ... VALUES (%s, ...), (...)`` statements with their flat parameters.

    ``table`` must come from :func:`qualified_table`; columns are validated here. Full chunks
    share one SQL text, so a server-side prepared statement is reused.
    """
    head = f"INSERT INTO {table} ({column_list(columns)}) VALUES "  # noqa: S608 - validated
    group = "(" + ", ".join(["%s"] * len(columns)) + ")"
    return values_chunks(head, group, rows)


def values_chunks(
    head: str, group: str, rows: Iterable[Sequence[Any]]
) -> Iterator[tuple[str, list[Any]]]:
    """``head`` followed by ``group`` once per row (``group`` is one row's ``(%s, ...)``),
    chunked by row count, parameter count and bytes (:data:`MAX_STATEMENT_BYTES`)."""
    width = group.count("%s")
    per_chunk = max(1, min(MAX_ROWS_PER_INSERT, MAX_PARAMS_PER_STATEMENT // width))
    chunk: list[Any] = []
    count = size = 0
    for row in rows:
        if len(row) != width:
            raise ValueError(f"row has {len(row)} values, expected {width}")
        row_size = sum(_wire_size(v) for v in row)
        if count and size + row_size > MAX_STATEMENT_BYTES:
            yield head + ", ".join([group] * count), chunk
            chunk, count, size = [], 0, 0
        chunk.extend(row)
        count += 1
        size += row_size
        if count == per_chunk:
            yield head + ", ".join([group] * count), chunk
            chunk, count, size = [], 0, 0
    if count:
        yield head + ", ".join([group] * count), chunk


def _wire_size(value: Any) -> int:
    """About how many bytes a parameter takes in a statement (bytes travel as hex text)."""
    if isinstance(value, bytes | bytearray | memoryview):
        return 2 * len(value) + 4
    if isinstance(value, str):
        return len(value.encode("utf-8")) + 4
    return 32


async def insert_rows(
    execute: Callable[..., Awaitable[int]],
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> int:
    """Run the :func:`insert_chunks` of ``rows`` with ``execute`` (a connection's); rows sent."""
    count = 0
    for sql, params in insert_chunks(table, columns, rows):
        await execute(sql, *params)
        count += len(params) // len(columns)
    return count


@functools.lru_cache(maxsize=512)
def row_maker(names: tuple[str, ...]) -> Callable[[Iterable[Any]], Row]:
    """Build named-tuple rows with these column names (invalid names become ``_0``, ...)."""
    row_class = collections.namedtuple("Row", names, rename=True)  # type: ignore[misc]
    return cast(Callable[[Iterable[Any]], Row], row_class._make)


async def text_chunks(chunks: Iterable[str] | AsyncIterable[str]) -> AsyncIterator[str]:
    """Iterate over CSV text chunks given either as a plain or as an async iterable."""
    if isinstance(chunks, AsyncIterable):
        async for chunk in chunks:
            yield chunk
    else:
        for chunk in chunks:
            yield chunk


def csv_rows(text: str) -> Iterator[list[str | None]]:
    """Records of a CSV chunk as COPY's CSV format reads them: an empty field is NULL.

    (COPY keeps a quoted empty string ``""`` as an empty string; callers of the INSERT fallback
    must not rely on that distinction.)
    """
    for record in csv.reader(io.StringIO(text)):
        yield [value if value != "" else None for value in record]
