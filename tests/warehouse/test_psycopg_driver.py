"""The psycopg 3 driver (fraudd/warehouse/psycopg_driver.py): its connection string, its error
mapping, and its Redshift dialect (plain INSERTs, the session set up with SETs), against real
PostgreSQL. What both drivers promise alike is in test_base.py."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict
from pydantic import SecretStr

from fraudd.settings import WarehouseSettings
from fraudd.warehouse import Pool, WarehouseError, connect
from fraudd.warehouse.psycopg_driver import conninfo, map_error

SettingsFactory = Callable[..., WarehouseSettings]


@pytest.fixture
def driver() -> str:
    """The ``wh`` fixture of this module is a psycopg pool."""
    return "psycopg"


async def test_psycopg_with_redshift_dialect_uses_plain_inserts(
    settings_for: SettingsFactory, schema: str
) -> None:
    settings = settings_for("psycopg", schema, dialect="redshift")
    wh = await connect(settings)
    try:
        async with wh.acquire() as conn:
            await conn.execute(f"CREATE SCHEMA {schema}")
            await conn.execute(f"CREATE TABLE {schema}.t (k integer, v text)")
            rows = [(i, f"v{i}") for i in range(2345)]
            assert await conn.copy_rows("t", ["k", "v"], rows) == 2345
            total = await conn.fetchval(f"SELECT sum(k) FROM {schema}.t")
            timeout = await conn.fetchval("SHOW statement_timeout")
            await conn.execute(f"DROP SCHEMA {schema} CASCADE")
        assert total == sum(range(2345)) and timeout == "10s"
    finally:
        await wh.close()


def _conninfo(settings: WarehouseSettings, **changes: object) -> dict[str, object]:
    return conninfo_to_dict(conninfo(settings.derive(**changes)))


def test_conninfo_sets_up_a_postgres_session_and_leaves_redshift_to_plain_sets() -> None:
    settings = WarehouseSettings(
        host="db.internal", port=5433, database="fraud", user="fraudd",
        password=SecretStr("s3cret"), statement_timeout_s=2.5, connect_timeout_s=0.4,
    )  # fmt: skip
    postgres = _conninfo(settings)
    assert postgres["options"] == "-c statement_timeout=2500 -c TimeZone=UTC"
    assert postgres["connect_timeout"] == "2"  # libpq's whole seconds, 2 at least
    where = (postgres["host"], postgres["port"], postgres["dbname"], postgres["user"])
    assert where == ("db.internal", "5433", "fraud", "fraudd")
    assert postgres["password"] == "s3cret" and postgres["client_encoding"] == "utf8"
    assert postgres["application_name"] == "fraudd"
    assert "options" not in _conninfo(settings, dialect="redshift")  # Redshift ignores them
    assert "password" not in _conninfo(settings, password=SecretStr(""))  # ~/.pgpass then
    assert _conninfo(settings, connect_timeout_s=7.2)["connect_timeout"] == "8"


async def test_server_errors_keep_their_first_line_and_client_errors_are_not_transient(
    wh: Pool,
) -> None:
    async with wh.acquire() as conn:
        with pytest.raises(WarehouseError) as syntax:
            await conn.execute("SELEC 1")
        with pytest.raises(WarehouseError) as params:  # psycopg's own check: no SQLSTATE
            await conn.fetchval("SELECT %s", 1, 2)
    assert "\n" not in str(syntax.value) and "LINE 1" in str(syntax.value.__cause__)
    assert str(syntax.value).startswith('SyntaxError: syntax error at or near "SELEC"')
    assert params.value.sqlstate is None and params.value.transient is False
    assert isinstance(params.value.__cause__, psycopg.ProgrammingError)


async def test_a_connection_that_cannot_be_made_is_transient(
    settings_for: SettingsFactory, schema: str
) -> None:
    settings = settings_for("psycopg", schema).derive(**{"port": 1})
    with pytest.raises(psycopg.OperationalError) as refused:
        await psycopg.AsyncConnection.connect(conninfo(settings))
    error = map_error(refused.value)
    assert error.sqlstate is None and error.transient is True
    assert error.args[0].startswith("OperationalError: ")


async def test_a_dict_parameter_is_json_the_server_casts_to_the_column(wh: Pool) -> None:
    doc = {"reasons": ["amount"], "score": 0.5}
    async with wh.acquire() as conn:
        await conn.execute(f"CREATE TABLE {wh.schema}.d (j jsonb, p json, t text)")
        await conn.execute(f"INSERT INTO {wh.schema}.d VALUES (%s, %s, %s)", doc, doc, doc)
        row = await conn.fetchrow(f"SELECT j, p, t FROM {wh.schema}.d")
    assert row is not None and row.j == doc and row.p == doc
    assert row.t == '{"reasons":["amount"],"score":0.5}'  # compact JSON text
