"""How redshift_connector is asked to log in: password, or IAM with the instance role."""

from __future__ import annotations

from pydantic import SecretStr

from fraudd.settings import WarehouseSettings
from fraudd.warehouse.redshift_driver import connect_kwargs

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
    kwargs = connect_kwargs(
        BASE.model_copy(update={"iam_auth": True, "serverless_workgroup": "fraudd"})
    )
    assert kwargs["iam"] is True and kwargs["is_serverless"] is True
    assert kwargs["serverless_work_group"] == "fraudd"
    assert "password" not in kwargs and "user" not in kwargs


def test_iam_login_to_a_cluster_names_it_and_the_database_user() -> None:
    kwargs = connect_kwargs(BASE.model_copy(update={"iam_auth": True, "cluster_identifier": "c1"}))
    assert kwargs["cluster_identifier"] == "c1" and kwargs["db_user"] == "fraudd"
    assert "password" not in kwargs
