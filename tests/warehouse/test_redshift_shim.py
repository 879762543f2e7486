"""The Redshift wire shim, and the redshift_connector behaviours it and the driver work around."""

from __future__ import annotations

from collections.abc import Callable

import redshift_connector
from packaging.version import Version

from fraudd.settings import WarehouseSettings
from fraudd.warehouse import WarehouseError
from fraudd.warehouse.common import is_serialization_conflict
from fraudd.warehouse.redshift_driver import driver_sql, map_error
from fraudd.warehouse.redshift_login import connect_sync
from tests.shim.redshift_shim import RedshiftShim, plain_server_version

# What redshift_connector 2.2 sends besides user/database/application_name. A driver upgrade that
# adds a startup parameter fails this test instead of failing obscurely against Redshift.
REDSHIFT_ONLY_STARTUP = {
    "client_protocol_version",
    "driver_version",
    "os_version",
    "driver_discovery_version",
}


def test_plain_server_version() -> None:
    assert plain_server_version(b"15.18 (Debian 15.18-0+deb12u1)") == b"15.18"
    assert plain_server_version(b"16.2") == b"16.2"
    assert plain_server_version(b"8.0.2") == b"8.0.2"


def test_shim_strips_redshift_parameters_and_fixes_the_version(
    settings_for: Callable[..., WarehouseSettings], shim: RedshiftShim, schema: str
) -> None:
    raw = connect_sync(settings_for("redshift_connector", schema))
    try:
        cursor = raw.cursor()
        cursor.execute("SHOW application_name")
        application = cursor.fetchall()[0][0]
        cursor.execute("SHOW statement_timeout")
        timeout = cursor.fetchall()[0][0]
        cursor.execute("SHOW timezone")
        zone = cursor.fetchall()[0][0]
    finally:
        raw.close()
    assert shim.stripped == REDSHIFT_ONLY_STARTUP
    assert raw._server_version >= Version("15")
    assert (application, timeout, zone) == ("fraudd", "10s", "UTC")
    # the plain PostgreSQL protocol is what the driver asked for, and what it got
    assert raw._client_protocol_version == 0


def test_driver_sql_undoubles_percent_only_where_redshift_connector_keeps_it() -> None:
    sql = "SELECT '100%%', a %% 2, \"p%%\" FROM t WHERE b = %s -- 5%% off\n"
    assert driver_sql(sql) == "SELECT '100%', a %% 2, \"p%\" FROM t WHERE b = %s -- 5% off\n"
    assert driver_sql("SELECT $$%%$$, %s") == "SELECT $$%%$$, %s"


# A serialization conflict exactly as redshift_connector raised it against Redshift, quoted in
# aws/aws-sdk-pandas issue #665: the message is only the number, the words are in the detail.
REDSHIFT_1023 = {
    "S": "ERROR",
    "C": "XX000",
    "M": "1023",
    "D": "Serializable isolation violation on table - 119371, transactions forming the cycle "
    "are: 1745830, 1745762 (pid:15021)",
    "F": "/home/ec2-user/padb/src/sys/xen_execute.cpp",
    "L": "9797",
    "R": "pg_throw",
}


def test_error_mapping_of_client_side_failures() -> None:
    broken = map_error(redshift_connector.InterfaceError("BrokenPipe: server socket closed"))
    timeout = map_error(redshift_connector.OperationalError("connection time out"))
    unsupported = map_error(redshift_connector.NotSupportedError("type set not mapped"))
    deadlock = map_error(redshift_connector.ProgrammingError({"C": "40P01", "M": "deadlock"}))
    assert broken.transient and timeout.transient
    assert not unsupported.transient
    assert deadlock.transient and deadlock.sqlstate == "40P01"
    assert isinstance(broken, WarehouseError)


def test_redshift_serialization_conflict_is_transient_and_keeps_its_words() -> None:
    error = map_error(redshift_connector.ProgrammingError(dict(REDSHIFT_1023)))
    assert error.transient and error.sqlstate == "XX000"
    assert "1023" in str(error) and "Serializable isolation violation" in str(error)
    assert is_serialization_conflict(error)  # what the retry metric's reason reads
    # the same code without Redshift's number is an internal error, not worth a retry
    internal = map_error(redshift_connector.ProgrammingError({"C": "XX000", "M": "1204"}))
    assert not internal.transient and not is_serialization_conflict(internal)
