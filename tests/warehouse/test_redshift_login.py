"""How redshift_connector is asked to log in: password, or IAM with the instance role."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
import redshift_connector
from pydantic import SecretStr

from fraudd.settings import WarehouseSettings
from fraudd.warehouse.redshift_login import connect_kwargs
from tests.deploy.iam import iam_action, template_actions

# Every login action the stack grants the instance role (Serverless or provisioned).
LOGIN_ACTIONS = {
    a
    for a in template_actions("InstanceRole")
    if a.startswith(("redshift:", "redshift-serverless:"))
}

BASE = WarehouseSettings(
    dialect="redshift",
    driver="redshift_connector",
    host="wg.123.eu-west-1.redshift-serverless.amazonaws.com",
    port=5439,
    database="dev",
    user="fraudd",
    password=SecretStr("pw-1"),
    sslmode="verify-full",
)


def test_password_login_passes_user_and_password() -> None:
    kwargs = connect_kwargs(BASE)
    assert kwargs["user"] == "fraudd" and kwargs["password"] == "pw-1"
    assert kwargs["ssl"] is True and kwargs["sslmode"] == "verify-full"
    assert "iam" not in kwargs


def test_iam_login_to_serverless_uses_no_secret() -> None:
    kwargs = connect_kwargs(BASE.derive(**{"iam_auth": True, "serverless_workgroup": "fraudd"}))
    assert kwargs["iam"] is True and kwargs["is_serverless"] is True
    assert kwargs["serverless_work_group"] == "fraudd"
    assert "password" not in kwargs and "user" not in kwargs


def test_iam_login_to_a_cluster_names_it_and_asks_for_group_federation() -> None:
    kwargs = connect_kwargs(BASE.derive(**{"iam_auth": True, "cluster_identifier": "c1"}))
    assert kwargs["cluster_identifier"] == "c1" and kwargs["group_federation"] is True
    assert "password" not in kwargs and "db_user" not in kwargs


# ---------------------------------------------------------------- what the driver then calls


_REAL_CLIENT = boto3.Session.client


class _Stop(Exception):
    """Raised by the hook before the request leaves: no AWS endpoint is needed."""


def _api_call_of(settings: WarehouseSettings, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The one AWS API call redshift_connector makes to log in with these settings, recorded by
    a botocore ``before-parameter-build`` hook on the real client the driver builds."""
    calls: list[dict[str, Any]] = []

    def client(self: Any, *args: Any, **kwargs: Any) -> Any:
        made = _REAL_CLIENT(self, *args, **kwargs)

        def record(model: Any, params: dict[str, Any], **_: Any) -> None:
            calls.append(
                {
                    "service": model.service_model.service_name,
                    "operation": model.name,
                    "params": params,
                }
            )
            raise _Stop

        made.meta.events.register("before-parameter-build", record)
        return made

    monkeypatch.setattr(boto3.Session, "client", client)
    for name, value in (
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "x"),
        ("AWS_DEFAULT_REGION", "eu-west-1"),
    ):
        monkeypatch.setenv(name, value)
    redshift_connector.IamHelper.credentials_cache.clear()
    with pytest.raises(_Stop):
        redshift_connector.connect(**connect_kwargs(settings))
    (call,) = calls
    return call


def test_serverless_login_calls_redshift_serverless_get_credentials_for_the_workgroup(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    call = _api_call_of(
        BASE.derive(**{"iam_auth": True, "serverless_workgroup": "fraudd"}), monkeypatch
    )
    assert (call["service"], call["operation"]) == ("redshift-serverless", "GetCredentials")
    assert call["params"]["workgroupName"] == "fraudd" and call["params"]["dbName"] == "dev"
    assert iam_action(call) in LOGIN_ACTIONS


def test_provisioned_login_calls_get_cluster_credentials_with_iam_not_v1(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cluster = BASE.derive(
        **{
            "host": "c1.abc123xyz789.eu-west-1.redshift.amazonaws.com",
            "iam_auth": True,
            "cluster_identifier": "c1",
        }
    )
    call = _api_call_of(cluster, monkeypatch)
    assert (call["service"], call["operation"]) == ("redshift", "GetClusterCredentialsWithIAM")
    assert call["params"]["ClusterIdentifier"] == "c1" and call["params"]["DbName"] == "dev"
    assert "DbUser" not in call["params"]  # V2 logs in as IAMR:<role>; no user to create first
    assert iam_action(call) in LOGIN_ACTIONS


def test_iam_login_with_a_profile_uses_that_profiles_identity(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """warehouse.aws_profile (the console's own role, console.warehouse_aws_profile) reaches the
    driver, whose boto3 session logs in with that profile: here one with static keys, on AWS
    one that assumes PeopleDatabaseRole."""
    config = tmp_path / "aws-config"
    config.write_text(
        "[profile fraudd-console]\naws_access_key_id = AKIDCONSOLE\n"
        "aws_secret_access_key = y\nregion = eu-west-1\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    serverless = BASE.derive(
        **{"iam_auth": True, "serverless_workgroup": "fraudd", "aws_profile": "fraudd-console"}
    )
    assert connect_kwargs(serverless)["profile"] == "fraudd-console"
    profiles: list[str | None] = []
    real_init = boto3.Session.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **kwargs)
        profiles.append(kwargs.get("profile_name"))

    monkeypatch.setattr(boto3.Session, "__init__", init)
    call = _api_call_of(serverless, monkeypatch)
    assert (call["service"], call["operation"]) == ("redshift-serverless", "GetCredentials")
    assert "fraudd-console" in profiles
