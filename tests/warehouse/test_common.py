"""What both drivers share (fraudd/warehouse/common.py): which server errors are worth a retry,
the bulk INSERT chunks under the parameter and statement limits, names, rows and CSV records.

The error shapes are the servers' own: PostgreSQL's SQLSTATEs, Redshift's error 1023 as
redshift_connector raises it (quoted in aws/aws-sdk-pandas issue #665) and as JDBC prints it (AWS
Knowledge Center "redshift-serializable-isolation"). The chunking is checked as pure logic and,
once, against Redshift mode's 16 MB statement limit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from fraudd.warehouse import Pool, WarehouseError
from fraudd.warehouse.common import (
    MAX_PARAMS_PER_STATEMENT,
    MAX_ROWS_PER_INSERT,
    MAX_STATEMENT_BYTES,
    column_list,
    csv_rows,
    fields_are_serialization_conflict,
    insert_chunks,
    insert_rows,
    is_serialization_conflict,
    login_failure_is_permanent,
    qualified_table,
    row_maker,
    sqlstate_is_transient,
    text_chunks,
    values_chunks,
)
from tests.redshift.mode import RedshiftModeEnv

REDSHIFT_1023_DETAIL = (
    "Serializable isolation violation on table - 119371, transactions forming the cycle are: "
    "1745830, 1745762 (pid:15021)"
)

# ----------------------------------------------------------------------- transient errors


@pytest.mark.parametrize(
    ("sqlstate", "message", "detail"),
    [
        ("40001", "could not serialize access due to concurrent update", ""),
        ("40P01", "deadlock detected", ""),
        ("08006", "connection failure", ""),  # any connection exception (class 08)
        ("08P01", "protocol violation", ""),
        ("57P01", "terminating connection due to administrator command", ""),
        ("57P02", "crash shutdown", ""),
        ("57P03", "the database system is starting up", ""),
        ("53300", "sorry, too many clients already", ""),
        ("57014", "canceling statement due to statement timeout", ""),
        ("55P03", "could not obtain lock on relation", ""),
        ("XX000", "1023", REDSHIFT_1023_DETAIL),  # Redshift: the number alone in the message
        ("XX000", "1023", ""),
        (None, "ERROR: 1023 DETAIL: Serializable isolation violation on table", ""),  # JDBC
        ("XX000", "could not complete because of conflict with concurrent transaction", ""),
    ],
)
def test_errors_a_retry_can_resolve_are_transient(
    sqlstate: str | None, message: str, detail: str
) -> None:
    assert sqlstate_is_transient(sqlstate, message, detail)


@pytest.mark.parametrize(
    ("sqlstate", "message"),
    [
        ("23505", "duplicate key value violates unique constraint"),
        ("42601", "syntax error at or near"),
        ("42P01", 'relation "x" does not exist'),
        ("42501", "permission denied for table labels"),
        ("22001", "value too long for type character varying(16)"),
        ("XX000", "1204"),  # another Redshift internal error: not a conflict
        ("XX000", "10230"),  # a number that only starts like 1023
        ("XX000", "1023x"),
        (None, "some client-side failure"),
    ],
)
def test_errors_a_retry_cannot_resolve_are_not_transient(
    sqlstate: str | None, message: str
) -> None:
    assert not sqlstate_is_transient(sqlstate, message)


def test_only_serialization_failures_count_as_conflicts() -> None:
    assert fields_are_serialization_conflict("40001")
    assert fields_are_serialization_conflict("XX000", " 1023 ", REDSHIFT_1023_DETAIL)
    assert fields_are_serialization_conflict("XX000", "1023")
    assert fields_are_serialization_conflict(None, "", REDSHIFT_1023_DETAIL.upper())
    assert not fields_are_serialization_conflict("40P01", "deadlock detected")  # transient only
    assert not fields_are_serialization_conflict("57014", "statement timeout")
    assert not fields_are_serialization_conflict("23505", "1023")  # the number needs XX000


@pytest.mark.parametrize(
    ("text", "sqlstate", "conflict"),
    [
        # as redshift_driver.map_error words Redshift's error: "<class>: <message>: <detail>"
        (f"ProgrammingError: 1023: {REDSHIFT_1023_DETAIL}", "XX000", True),
        ("ProgrammingError: 1023", "XX000", True),
        ("ProgrammingError: 1023 Serializable isolation violation on table - 1", "XX000", True),
        ("SerializationFailure: could not serialize access", "40001", True),
        ("ProgrammingError: 10234: something else", "XX000", False),
        ("ProgrammingError: 1204: String length exceeds DDL length", "XX000", False),
        ("DeadlockDetected: deadlock detected", "40P01", False),
        ("UniqueViolation: 1023", "23505", False),
    ],
)
def test_is_serialization_conflict_reads_a_mapped_error(
    text: str, sqlstate: str, conflict: bool
) -> None:
    error = WarehouseError(text, transient=True, sqlstate=sqlstate)
    assert is_serialization_conflict(error) is conflict


@pytest.mark.parametrize(
    ("message", "permanent"),
    [
        ('FATAL:  password authentication failed for user "fraudd"', True),
        ('FATAL:  no pg_hba.conf entry for host "10.0.0.1", user "fraudd"', True),
        ('FATAL:  database "fraud" does not exist', True),
        ('FATAL:  role "fraudd" does not exist', True),
        ("FATAL:  permission denied for database fraudd", True),
        ("connection refused: is the server running on that host?", False),
        ("timeout expired", False),
        ("FATAL:  the database system is starting up", False),
        ("FATAL:  sorry, too many clients already", False),
    ],
)
def test_a_refused_login_is_permanent_a_missing_server_is_not(
    message: str, permanent: bool
) -> None:
    assert login_failure_is_permanent(message) is permanent


# ----------------------------------------------------------------------- names


def test_tables_are_qualified_with_our_schema_and_validated() -> None:
    assert qualified_table("labels", "fraudd") == "fraudd.labels"
    assert qualified_table("other.labels", "fraudd") == "other.labels"
    for bad in ("a.b.c", "labels; DROP TABLE x", 'fraudd."Labels"', ""):
        with pytest.raises(ValueError):
            qualified_table(bad, "fraudd")
    with pytest.raises(ValueError, match="not a valid SQL identifier"):
        qualified_table("labels", "bad schema")


def test_column_lists_are_validated_and_never_empty() -> None:
    assert column_list(["tx_id", "is_fraud"]) == "tx_id, is_fraud"
    with pytest.raises(ValueError, match="at least one column"):
        column_list([])
    with pytest.raises(ValueError, match="not a valid SQL identifier"):
        column_list(["tx_id", "x) --"])


async def test_copy_rows_refuses_unsafe_names(wh: Pool) -> None:
    async with wh.acquire() as conn:
        with pytest.raises(ValueError, match="not a valid SQL identifier"):
            await conn.copy_rows("types; DROP TABLE x", ["a"], [(1,)])
        with pytest.raises(ValueError, match="not a valid SQL identifier"):
            await conn.copy_rows("types", ['a") --'], [(1,)])


# ----------------------------------------------------------------------- bulk INSERT chunks


def _rows_per_chunk(chunks: list[tuple[str, list[Any]]], width: int) -> list[int]:
    return [len(params) // width for _, params in chunks]


def test_insert_chunks_are_multi_row_inserts_with_flat_parameters() -> None:
    rows = [(1, "a"), (2, "b"), (3, "c")]
    ((sql, params),) = list(insert_chunks("fraudd.t", ["k", "v"], rows))
    assert sql == "INSERT INTO fraudd.t (k, v) VALUES (%s, %s), (%s, %s), (%s, %s)"
    assert params == [1, "a", 2, "b", 3, "c"]
    assert list(insert_chunks("fraudd.t", ["k"], [])) == []
    with pytest.raises(ValueError, match="not a valid SQL identifier"):
        list(insert_chunks("fraudd.t", ["k; --"], rows))


def test_chunks_stop_at_the_row_and_parameter_limits_and_full_ones_share_their_sql() -> None:
    narrow = list(values_chunks("INSERT INTO t VALUES ", "(%s, %s)", [(i, i) for i in range(2500)]))
    assert _rows_per_chunk(narrow, 2) == [MAX_ROWS_PER_INSERT, MAX_ROWS_PER_INSERT, 500]
    assert narrow[0][0] == narrow[1][0] != narrow[2][0]  # one prepared statement for full ones
    width = 40  # 40 columns: the parameter limit binds before the row limit
    group = "(" + ", ".join(["%s"] * width) + ")"
    wide = list(values_chunks("INSERT INTO t VALUES ", group, [(0,) * width] * 1600))
    per_chunk = MAX_PARAMS_PER_STATEMENT // width
    assert _rows_per_chunk(wide, width) == [per_chunk, per_chunk, 1600 - 2 * per_chunk]
    assert all(len(params) <= MAX_PARAMS_PER_STATEMENT for _, params in wide)
    assert [v for _, params in narrow for v in params] == [i for i in range(2500) for _ in "kv"]


def test_chunks_stay_under_the_statement_bytes_counting_bytes_as_hex() -> None:
    blob = b"\x00" * (MAX_STATEMENT_BYTES // 5)  # travels as 2/5 of the limit in hex
    chunks = list(values_chunks("INSERT INTO t VALUES ", "(%s, %s)", [(i, blob) for i in range(5)]))
    assert _rows_per_chunk(chunks, 2) == [2, 2, 1]
    text = "é" * (MAX_STATEMENT_BYTES // 6)  # 2 bytes each in UTF-8: a third of the limit
    chunks = list(values_chunks("INSERT INTO t VALUES ", "(%s)", [(text,)] * 4))
    assert _rows_per_chunk(chunks, 1) == [2, 2]
    huge = b"x" * MAX_STATEMENT_BYTES  # a row over the limit by itself still goes, alone
    chunks = list(values_chunks("INSERT INTO t VALUES ", "(%s)", [(b"",), (huge,), (b"",)]))
    assert _rows_per_chunk(chunks, 1) == [1, 1, 1]


def test_a_row_of_the_wrong_width_is_refused() -> None:
    with pytest.raises(ValueError, match="row has 1 values, expected 2"):
        list(values_chunks("INSERT INTO t VALUES ", "(%s, %s)", [(1, 2), (3,)]))


async def test_insert_rows_runs_every_chunk_and_counts_the_rows() -> None:
    sent: list[tuple[str, tuple[Any, ...]]] = []

    async def execute(sql: str, *params: Any) -> int:
        sent.append((sql, params))
        return len(params) // 2

    rows = ((i, f"v{i}") for i in range(2345))  # a generator: read once
    assert await insert_rows(execute, "fraudd.t", ["k", "v"], rows) == 2345
    assert [len(params) // 2 for _, params in sent] == [1000, 1000, 345]
    assert sent[-1][1][-2:] == (2344, "v2344")


async def test_a_batch_over_16_mb_reaches_redshift_in_statements_it_accepts(
    redshift_mode: RedshiftModeEnv,
) -> None:
    """Six 3 MB values: one INSERT of all of them is refused by Redshift's 16 MB limit (as the
    shim words it), while copy_rows sends them in chunks under MAX_STATEMENT_BYTES."""
    table = f"{redshift_mode.schema}.blobs"
    value = "x" * (3 * 1024 * 1024)
    rows = [(i, value) for i in range(6)]
    async with redshift_mode.owner_warehouse() as wh, wh.acquire() as conn:
        # set-up as the owner, in PostgreSQL's spelling (a Redshift VARCHAR holds 64 KB at most)
        await conn.execute(f"CREATE TABLE {table} (k integer, body text)")
        with pytest.raises(WarehouseError, match="Statement is too large"):
            await conn.execute(
                f"INSERT INTO {table} VALUES {', '.join(['(%s, %s)'] * 6)}",
                *[v for row in rows for v in row],
            )
        assert await conn.copy_rows(table, ["k", "body"], rows) == 6
        stored = await conn.fetchrow(
            f"SELECT count(*) AS n, sum(length(body)) AS size FROM {table}"
        )
    assert stored is not None and (stored.n, stored.size) == (6, 6 * len(value))


# ----------------------------------------------------------------------- rows and CSV


def test_rows_are_named_tuples_and_odd_column_names_are_renamed() -> None:
    make = row_maker(("tx_id", "?column?", "count"))
    row = make(["t1", 2, 3])
    assert row.tx_id == "t1" and row[1] == 2 and tuple(row) == ("t1", 2, 3)
    assert row._asdict() == {"tx_id": "t1", "_1": 2, "count": 3}
    assert row_maker(("tx_id", "?column?", "count")) is make  # one class per column list


def test_csv_records_read_as_copy_reads_them() -> None:
    text = 'a,,"x,y"\n"line\nbreak",b,\n'
    assert list(csv_rows(text)) == [["a", None, "x,y"], ["line\nbreak", "b", None]]
    assert list(csv_rows("")) == []


async def test_text_chunks_take_plain_and_async_iterables() -> None:
    async def produced() -> AsyncIterator[str]:
        yield "1,a\n"
        yield "2,b\n"

    assert [c async for c in text_chunks(["1,a\n", "2,b\n"])] == ["1,a\n", "2,b\n"]
    assert [c async for c in text_chunks(produced())] == ["1,a\n", "2,b\n"]
