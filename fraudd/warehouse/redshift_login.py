"""Logging in to Redshift with redshift_connector: the connection arguments (password, or IAM
with the instance role), the session's settings, and how column types are read back.

Protocol: the driver is asked for the plain PostgreSQL protocol (``client_protocol_version=0``:
text numerics, classic RowDescription) instead of Redshift's "binary" extension, because that is
the protocol the test suite can exercise against PostgreSQL; Redshift serves both.

Types are made to match the psycopg driver: numeric -> Decimal, timestamptz -> aware datetime
(UTC), bytea and Redshift VARBYTE -> bytes, json/jsonb and Redshift SUPER -> parsed JSON.
"""

from __future__ import annotations

import json
import math
from typing import Any

import redshift_connector
from redshift_connector.config import FC_BINARY, FC_TEXT

from fraudd.settings import WarehouseSettings

Raw = redshift_connector.Connection
_BASE_PROTOCOL = 0  # redshift_connector.config.ClientProtocolVersion.BASE_SERVER
_OID_BYTEA, _OID_JSONB, _OID_SUPER, _OID_VARBYTE = 17, 3802, 4000, 6551


def _bytes_recv(data: bytes, offset: int, length: int) -> bytes:
    return bytes(data[offset : offset + length])


def _json_recv(data: bytes, offset: int, length: int) -> Any:
    return json.loads(data[offset : offset + length])


def _hex_recv(data: bytes, offset: int, length: int) -> bytes:
    return bytes.fromhex(data[offset : offset + length].decode("ascii"))


def connect_kwargs(settings: WarehouseSettings) -> dict[str, Any]:
    """redshift_connector's arguments: password login, or IAM login with the instance role."""
    # the driver knows only verify-ca/verify-full; with SSL on it always checks the CA
    sslmode = "verify-full" if settings.sslmode == "verify-full" else "verify-ca"
    kwargs: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "database": settings.database,
        "ssl": settings.sslmode != "disable",
        "sslmode": sslmode,
        "timeout": math.ceil(settings.connect_timeout_s),
        "application_name": "fraudd",
        "client_protocol_version": _BASE_PROTOCOL,
    }
    if not settings.iam_auth:
        return kwargs | {"user": settings.user, "password": settings.password.get_secret_value()}
    # Temporary credentials from the default AWS chain (the EC2 instance role): no secret here.
    # One IAM action per kind of warehouse, the one deploy/aws/fraudd.yaml grants
    # (tests/warehouse/test_redshift_login.py records which one the driver really calls):
    # - Serverless: redshift-serverless:GetCredentials for the workgroup, database user
    #   IAMR:<role name> (redshift_connector's SERVERLESS_V1 path, group_federation off);
    # - provisioned: group_federation makes the driver call GetClusterCredentialsWithIAM (V2),
    #   which also logs in as IAMR:<role name> and needs no db_user that must exist first; without
    #   it the driver calls GetClusterCredentials (V1), another action on a dbuser ARN.
    kwargs |= {"iam": True}
    if settings.aws_profile:  # the console's own role (console.warehouse_aws_profile)
        kwargs["profile"] = settings.aws_profile
    if settings.serverless_workgroup:
        return kwargs | {
            "is_serverless": True,
            "serverless_work_group": settings.serverless_workgroup,
        }
    return kwargs | {"cluster_identifier": settings.cluster_identifier, "group_federation": True}


def connect_sync(settings: WarehouseSettings) -> Raw:
    """Open one autocommit connection (blocking: call it on the driver's thread pool)."""
    raw = redshift_connector.connect(**connect_kwargs(settings))
    # From now on the socket timeout is only a backstop behind the server's statement_timeout.
    # The driver has no public setter; its own code uses this attribute the same way.
    raw._usock.settimeout(settings.statement_timeout_s + settings.connect_timeout_s)
    raw.redshift_types[_OID_BYTEA] = (FC_BINARY, _bytes_recv)
    raw.redshift_types[_OID_JSONB] = (FC_TEXT, _json_recv)
    raw.redshift_types[_OID_SUPER] = (FC_TEXT, _json_recv)
    raw.redshift_types[_OID_VARBYTE] = (FC_TEXT, _hex_recv)
    raw.autocommit = True
    cursor = raw.cursor()
    cursor.execute(f"SET statement_timeout TO {int(settings.statement_timeout_s * 1000)}")
    cursor.execute("SET timezone TO 'UTC'")
    return raw
