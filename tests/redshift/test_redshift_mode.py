"""Redshift mode itself (tests/redshift/mode.py): each Redshift behaviour it claims, shown once.

Every test runs through the production driver (redshift_connector) and the shim in Redshift
mode, as the daemon's restricted user unless it says otherwise.
"""

from __future__ import annotations

import json
import re
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest

from fraudd.warehouse import WarehouseError, connect, opened_warehouse
from fraudd.warehouse.migrate import pending
from fraudd.warehouse.sqlfiles import load_statement, render, split_statements
from fraudd.warehouse.stream import StreamRecord
from tests.redshift.mode import (
    DAEMON_ROLE,
    GRANTS,
    Cluster,
    RedshiftModeEnv,
    grant_statements,
    open_redshift_mode,
    postgres_grants,
)
from tests.redshift.pg_subset import STREAM_ZONE_MAPS
from tests.redshift.test_redshift_sql import EXPECTED_LAYOUT
from tests.redshift.unsupported import code_of
from tests.shim.redshift_shim import ISOLATION, Isolation
from tests.shim.redshift_wire import MAX_STATEMENT_BYTES

pytestmark = pytest.mark.timeout(120)
SEQUENCE_56 = "49590338271490256608559692538361571095921575989136588898"
TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")


def _catalog(env: RedshiftModeEnv, query: str, *args: Any) -> list[tuple[Any, ...]]:
    """Ask PostgreSQL's catalogs directly (the test's question, not the daemon's SQL)."""
    with env.cluster.superuser() as conn:
        return conn.execute(query, args).fetchall()


async def _refusals(conn: Any, statements: dict[str, str]) -> dict[str, tuple[str | None, bool]]:
    """Run each statement, which must be refused: name -> (sqlstate, transient) of its error."""
    refused: dict[str, tuple[str | None, bool]] = {}
    for name, statement in statements.items():
        with pytest.raises(WarehouseError) as caught:
            await conn.execute(statement)
        refused[name] = (caught.value.sqlstate, caught.value.transient)
    return refused


async def test_the_daemons_statements_that_use_what_redshift_lacks_are_refused(
    redshift_mode: RedshiftModeEnv,
) -> None:
    labels = render("{schema}.labels", schema=redshift_mode.schema)
    async with opened_warehouse(redshift_mode.settings) as wh:
        async with wh.acquire() as conn:
            refused = await _refusals(conn, {
                "on_conflict": f"INSERT INTO {labels} (tx_id, is_fraud, labelled_at) "
                "VALUES ('t', true, GETDATE()) ON CONFLICT DO NOTHING",
                "unnest": "SELECT * FROM unnest(string_to_array('a,b', ','))",
                "clock": "SELECT clock_timestamp()",
                "cast": "SELECT '1'::int",
            })  # fmt: skip
            # prose about a construct is not a use of it
            assert await conn.fetchval("SELECT 'ON CONFLICT' -- unnest(x)") == "ON CONFLICT"
    assert "SELECT clock_timestamp()" in redshift_mode.shim.statements  # what the daemon sent
    assert refused == {
        "on_conflict": ("42601", False),
        "unnest": ("42601", False),
        "clock": ("42883", False),
        "cast": ("42601", False),
    }


async def test_sessions_run_at_the_databases_isolation_level(
    redshift_mode: RedshiftModeEnv,
) -> None:
    async with opened_warehouse(redshift_mode.settings) as wh:
        async with wh.acquire() as conn:
            level = await conn.fetchval("SHOW transaction_isolation")
            user = await conn.fetchval("SELECT current_user")
    assert level == ISOLATION[redshift_mode.isolation]
    assert user == DAEMON_ROLE


async def test_a_serialization_failure_arrives_as_redshifts_error_1023(
    redshift_mode: RedshiftModeEnv,
) -> None:
    """A write-write conflict (40001 at either level) reaches the driver in Redshift's shape."""
    table = render("{schema}.consumer_watermarks", schema=redshift_mode.schema)
    insert = f"INSERT INTO {table} (consumer_group, shard_id, sequence_number) VALUES (%s, %s, %s)"
    update = f"UPDATE {table} SET sequence_number = %s WHERE shard_id = %s"
    async with opened_warehouse(redshift_mode.settings) as wh:
        async with wh.acquire() as first, wh.acquire() as second:
            await first.execute(insert, "g", "shardId-000000000000", "1")
            with pytest.raises(WarehouseError) as caught:
                async with first.transaction():
                    await first.fetch(f"SELECT * FROM {table}")
                    await second.execute(update, "2", "shardId-000000000000")
                    await first.execute(update, "3", "shardId-000000000000")
            assert await first.fetchval(f"SELECT sequence_number FROM {table}") == "2"
    cause = caught.value.__cause__
    assert cause is not None
    fields = cause.args[0]  # what redshift_connector raised
    assert (fields["S"], fields["C"], fields["M"]) == ("ERROR", "XX000", "1023")
    assert fields["D"].startswith("Serializable isolation violation on table - ")
    assert caught.value.transient and caught.value.sqlstate == "XX000"
    assert redshift_mode.shim.rewritten[-1][0] == "40001"


async def test_a_statement_over_16_mb_is_refused_with_redshifts_error(
    redshift_mode: RedshiftModeEnv,
) -> None:
    big = "x" * (17 * 1024 * 1024)
    async with opened_warehouse(redshift_mode.settings) as wh:
        async with wh.acquire() as conn:
            with pytest.raises(WarehouseError) as bound:
                await conn.fetchval("SELECT length(%s)", big)  # text + bound value
            with pytest.raises(WarehouseError) as literal:
                await conn.fetchval(f"SELECT length('{big}')")
            assert await conn.fetchval("SELECT 1") == 1  # the session stays usable
            with pytest.raises(WarehouseError):
                async with conn.transaction():
                    await conn.fetchval("SELECT length(%s)", big)
            under = "y" * (MAX_STATEMENT_BYTES - 1024)
            assert await conn.fetchval("SELECT length(%s)", under) == len(under)
    for caught in (bound, literal):
        assert caught.value.sqlstate == "42601" and not caught.value.transient
        assert "Statement is too large. Statement Size: " in str(caught.value)
        assert "Maximum Allowed: 16777216 bytes" in str(caught.value)


async def test_keys_are_not_enforced_and_zone_maps_are_the_only_indexes(
    redshift_mode: RedshiftModeEnv,
) -> None:
    schema = redshift_mode.schema
    insert = render(
        "INSERT INTO {schema}.labels (tx_id, is_fraud, labelled_at) VALUES (%s, %s, %s)",
        schema=schema,
    )
    async with opened_warehouse(redshift_mode.settings) as wh:
        async with wh.acquire() as conn:
            for _ in range(2):  # the declared PRIMARY KEY (tx_id) does not stop the second
                await conn.execute(insert, "tx-1", True, datetime.now(UTC))
            count = await conn.fetchval(render("SELECT count(*) FROM {schema}.labels",
                                               schema=schema))
    [(keys,)] = _catalog(
        redshift_mode,
        "SELECT count(*) FROM pg_constraint c JOIN pg_namespace n "
        "ON n.oid = c.connamespace WHERE n.nspname = %s AND c.contype IN ('p', 'u')", schema,
    )
    indexes = _catalog(
        redshift_mode, "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = %s", schema
    )
    assert count == 2 and keys == 0
    assert all(" USING brin " in indexdef for _, indexdef in indexes)
    expected = {(t, f"({', '.join(cols)})") for t, (_, _, cols) in EXPECTED_LAYOUT.items() if cols}
    expected |= {("tx_stream", f"({column})") for column in STREAM_ZONE_MAPS}
    assert {(table, indexdef.rsplit(" ", 1)[-1]) for table, indexdef in indexes} == expected


async def test_bytes_travel_as_redshift_connector_sends_them_to_varbyte(
    redshift_mode: RedshiftModeEnv,
) -> None:
    """The driver sends bytes as bare hex text; Redshift (and this mode) store the bytes."""
    data = bytes(range(256))
    async with opened_warehouse(redshift_mode.settings) as wh:
        async with wh.acquire() as conn:
            await conn.execute("CREATE TEMP TABLE staged (raw VARBYTE(256))")
            await conn.execute("INSERT INTO staged (raw) VALUES (%s)", data)
            await conn.execute(render(
                "INSERT INTO {schema}.dead_letters (shard_id, sequence_number, reason, detail, "
                "raw, consumer_group) SELECT 's', '1', 'r', 'd', raw, 'g' FROM staged",
                schema=redshift_mode.schema,
            ))
            stored = await conn.fetchval(render("SELECT raw FROM {schema}.dead_letters",
                                                schema=redshift_mode.schema))
            with pytest.raises(WarehouseError) as too_long:
                await conn.execute("INSERT INTO staged (raw) VALUES (%s)", data + b"!")
    assert stored == data
    assert too_long.value.sqlstate == "22001" and not too_long.value.transient


async def _make_a_view_after_the_grants(env: RedshiftModeEnv) -> None:
    async with env.owner_warehouse() as owner:
        async with owner.acquire() as conn:
            await conn.execute(render(
                "CREATE MATERIALIZED VIEW {schema}.probe AS SELECT 1 AS x", schema=env.schema))


def _daemons_table_privileges(env: RedshiftModeEnv) -> dict[str, set[str]]:
    """Relation name -> the privileges the daemon's role holds on it, of TABLE_PRIVILEGES."""
    grants = _catalog(
        env,
        "SELECT c.relname, p.privilege FROM pg_class c JOIN pg_namespace n "
        "ON n.oid = c.relnamespace CROSS JOIN unnest(%s::text[]) AS p(privilege) "
        "WHERE n.nspname = %s AND c.relkind IN ('r', 'v', 'm') "
        "AND has_table_privilege(%s, c.oid, p.privilege)",
        list(TABLE_PRIVILEGES), env.schema, DAEMON_ROLE,
    )
    held: dict[str, set[str]] = {}
    for relname, privilege in grants:
        held.setdefault(relname, set()).add(privilege)
    return held


def _schemas_relations(env: RedshiftModeEnv) -> list[tuple[Any, ...]]:
    return _catalog(
        env,
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind IN ('r', 'v', 'm')", env.schema,
    )


def _daemons_schema_privileges(env: RedshiftModeEnv) -> list[tuple[Any, ...]]:
    """[(USAGE, CREATE)]: whether the daemon's role holds each on the schema."""
    return _catalog(
        env,
        "SELECT has_schema_privilege(%s, %s, 'USAGE'), has_schema_privilege(%s, %s, 'CREATE')",
        DAEMON_ROLE, env.schema, DAEMON_ROLE, env.schema,
    )


async def test_the_daemon_holds_exactly_the_runbooks_grants(
    redshift_mode: RedshiftModeEnv,
) -> None:
    schema = redshift_mode.schema
    await _make_a_view_after_the_grants(redshift_mode)
    async with opened_warehouse(redshift_mode.settings) as wh:
        async with wh.acquire() as conn:
            refused = await _refusals(conn, {
                "refresh": render("REFRESH MATERIALIZED VIEW {schema}.probe", schema=schema),
                "drop": render("DROP TABLE {schema}.labels", schema=schema),
                "truncate": render("TRUNCATE {schema}.decisions", schema=schema),
            })  # fmt: skip
    assert refused == dict.fromkeys(refused, ("42501", False))
    held = _daemons_table_privileges(redshift_mode)
    relations = _schemas_relations(redshift_mode)
    # every table and view, the probe too (made after the grants: grants.sql's default
    # privileges cover it), with these four privileges and no other
    assert "probe" in {relname for (relname,) in relations}
    granted = {"SELECT", "INSERT", "UPDATE", "DELETE"}
    assert held == {relname: granted for (relname,) in relations}
    # on the schema: USAGE, and CREATE (for fraudd train --backend redshift-ml's model)
    [(usage, create)] = _daemons_schema_privileges(redshift_mode)
    assert usage and create


async def _the_stream_as_the_daemon_reads_it(conn: Any, schema: str) -> tuple[Any, Any, Any]:
    """tx_stream's rows, stream_unparsed's shard ids, and tx_stream's column types."""
    rows = await conn.fetch(render(
        "SELECT * FROM {schema}.tx_stream ORDER BY shard_id", schema=schema))
    unparsed = await conn.fetch(render(
        "SELECT shard_id FROM {schema}.stream_unparsed", schema=schema))
    types = await conn.fetch(
        "SELECT column_name, data_type, character_maximum_length FROM "
        "information_schema.columns WHERE table_schema = %s AND table_name = 'tx_stream' "
        "ORDER BY ordinal_position", schema,
    )
    return rows, unparsed, types


async def _a_skipped_record_as_the_product_reads_it(
    env: RedshiftModeEnv, conn: Any
) -> list[Any]:
    await env.log_skipped("shardId-000000000002", "9", 1)
    return await conn.fetch(
        load_statement("redshift", "stream", "skipped_records", schema=env.schema),
        "tx_stream", datetime(2000, 1, 1),
    )


def _assert_tx_stream_has_redshifts_column_types(types: list[Any]) -> None:
    assert [(t.column_name, t.data_type, t.character_maximum_length) for t in types] == [
        ("approximate_arrival_timestamp", "timestamp without time zone", None),
        ("partition_key", "character varying", 256),
        ("shard_id", "character", 20),
        ("sequence_number", "character varying", 128),
        ("refresh_time", "timestamp without time zone", None),
        ("kinesis_data", "bytea", None),
        ("payload", "jsonb", None),
    ]


async def test_the_stream_stand_in_has_redshifts_types_and_returns_naive_timestamps(
    redshift_mode: RedshiftModeEnv,
) -> None:
    arrival = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    good = json.dumps({"tx_id": "tx-1"}).encode()
    refresh = await redshift_mode.ingest([
        StreamRecord("shardId-000000000000", SEQUENCE_56, "pk", arrival, good),
        StreamRecord("shardId-000000000001", "7", "pk", arrival, b"\xff not json"),
    ])
    async with opened_warehouse(redshift_mode.settings) as wh:
        async with wh.acquire() as conn:
            rows, unparsed, types = await _the_stream_as_the_daemon_reads_it(
                conn, redshift_mode.schema
            )
            now, length = (await conn.fetch("SELECT GETDATE(), LEN('abcd')"))[0]
            skipped = await _a_skipped_record_as_the_product_reads_it(redshift_mode, conn)
    first, second = rows
    assert first.approximate_arrival_timestamp == arrival.replace(tzinfo=None)  # naive
    assert first.refresh_time == refresh and first.refresh_time.tzinfo is None
    assert first.payload == {"tx_id": "tx-1"} and first.kinesis_data == good
    assert second.payload is None and [r.shard_id for r in unparsed] == [second.shard_id]
    _assert_tx_stream_has_redshifts_column_types(types)
    # the product's own query of SYS_STREAM_SCAN_ERRORS, unqualified, as on Redshift
    assert [(r.shard_id, r.sequence_number, r.error_code) for r in skipped] == [
        ("shardId-000000000002", "9", 1)
    ]
    # GETDATE() as Redshift's: naive, whole seconds, UTC (the session time zone)
    assert now.tzinfo is None and now.microsecond == 0 and length == 4
    assert abs(now - datetime.now(UTC).replace(tzinfo=None)) < timedelta(minutes=1)


async def test_suites_on_both_implementations_open_redshift_mode_themselves(
    warehouse_implementation: str, local_stack: Any, redshift_cluster: Cluster,
) -> None:
    """The way a contract suite gets Redshift mode: postgres runs at PostgreSQL's default."""
    async with AsyncExitStack() as stack:
        settings, expected = local_stack[0].warehouse, "read committed"
        if warehouse_implementation != "postgres":
            level = cast(Isolation, warehouse_implementation.removeprefix("redshift-"))
            env = await stack.enter_async_context(
                open_redshift_mode(local_stack[0], redshift_cluster, level)
            )
            settings, expected = env.settings.warehouse, ISOLATION[level]
        wh = await connect(settings)
        stack.push_async_callback(wh.close)
        async with wh.acquire() as conn:
            assert await conn.fetchval("SHOW transaction_isolation") == expected


async def test_the_daemon_sees_the_schema_migrated(redshift_mode: RedshiftModeEnv) -> None:
    """migrate() recorded every Redshift migration, so the daemon's start-up check passes."""
    async with opened_warehouse(redshift_mode.settings) as wh:
        assert await pending(wh, redshift_mode.settings) == []




RUNBOOK = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
RUNBOOK_USER = '"IAMR:fraudd-InstanceRole-ABC123"'


def test_the_runbooks_grant_step_is_grants_sql() -> None:
    """The block the operator copies and the file Redshift mode runs are the same statements."""
    text = RUNBOOK.read_text(encoding="utf-8")
    anchor = text.index("fraudd/warehouse/sql/redshift/grants.sql")
    [block] = re.findall(r"```sql\n(.*?)```", text[anchor:], re.S)[:1]
    rendered = GRANTS.read_text(encoding="utf-8").replace("{schema}", "fraudd")
    expected = split_statements(rendered.replace("{daemon_user}", RUNBOOK_USER))
    assert [" ".join(code_of(s).split()) for s in split_statements(block)] == [
        " ".join(code_of(s).split()) for s in expected
    ]
    # Redshift mode runs all of them but the three PostgreSQL has nothing for
    skipped = set(grant_statements("fraudd", "x")) - set(postgres_grants("fraudd", "x"))
    assert sorted(skipped) == [
        "ALTER USER x SYSLOG ACCESS UNRESTRICTED",
        "GRANT CREATE MODEL TO x",
        "GRANT EXECUTE ON MODEL fraudd.fraudd_model TO x",
    ]
