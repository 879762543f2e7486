"""The Redshift wire shim (tests/shim/redshift_shim.py): what it strips and fixes so that
redshift_connector reaches stock PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

from packaging.version import Version

from fraudd.settings import WarehouseSettings
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
