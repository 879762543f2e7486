"""The warehouse's sections: reaching either dialect, the IAM login's rules, and Redshift's own
objects (values spliced into DDL, so each is validated), loaded from TOML and the environment."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest

from fraudd.settings import ConfigError, RedshiftSettings, WarehouseSettings, load_settings
from tests.settings.loading import assert_refused, loaded, write

IAM = {"dialect": "redshift", "iam_auth": True}


def test_an_iam_login_names_its_target() -> None:
    with pytest.raises(pydantic.ValidationError, match=r"name warehouse\.serverless_workgroup"):
        WarehouseSettings(**IAM, driver="redshift_connector")
    for target in ({"serverless_workgroup": "wg"}, {"cluster_identifier": "c1"}):
        assert WarehouseSettings(**IAM, driver="redshift_connector", **target).iam_auth


def test_an_iam_login_goes_through_redshift_connector() -> None:
    message = r'needs warehouse\.driver = "redshift_connector"'
    with pytest.raises(pydantic.ValidationError, match=message):
        WarehouseSettings(**IAM, serverless_workgroup="wg")


def test_iam_auth_means_nothing_on_postgres() -> None:
    assert WarehouseSettings(iam_auth=True).driver == "psycopg"  # no Redshift, no IAM login


@pytest.mark.parametrize(
    ("section", "values", "message"),
    [
        (WarehouseSettings, {"dialect": "mysql"}, "Input should be 'postgres' or 'redshift'"),
        (WarehouseSettings, {"sslmode": "allow"}, "Input should be 'disable', 'prefer'"),
        (WarehouseSettings, {"port": 0}, "greater than or equal to 1"),
        (WarehouseSettings, {"pool_size": 65}, "less than or equal to 64"),
        (WarehouseSettings, {"schema": "Fraud Data"}, "lower-case SQL identifier"),
        (WarehouseSettings, {"streaming_view": "tx-stream"}, "lower-case SQL identifier"),
        (WarehouseSettings, {"s3_staging_uri": "s3://bucket/staging"}, "ending in /"),
        (RedshiftSettings, {"external_schema": "Kinesis"}, "lower-case SQL identifier"),
        (RedshiftSettings, {"iam_role": "arn:aws:iam::1:role/x"}, "an IAM role ARN"),
        (RedshiftSettings, {"copy_iam_role": "role/x"}, "an IAM role ARN"),
        (RedshiftSettings, {"s3_bucket": "Bad_Bucket"}, "must be an S3 bucket name"),
        (RedshiftSettings, {"create_model_timeout_s": 0}, "greater than 0"),
    ],
)
def test_each_value_is_refused_with_its_message(
    section: type[pydantic.BaseModel], values: dict[str, object], message: str
) -> None:
    assert_refused(section, values, message)


def test_the_schema_is_named_schema_in_files_and_schema_name_in_code() -> None:
    assert WarehouseSettings(schema="a").schema_name == "a"
    assert WarehouseSettings(schema_name="b").schema_name == "b"
    assert WarehouseSettings(schema_name="b").model_dump(by_alias=True)["schema"] == "b"


def test_the_warehouse_loads_from_toml_with_the_environment_on_top(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = loaded(
        tmp_path,
        monkeypatch,
        "[warehouse]\ndialect = 'redshift'\ndriver = 'redshift_connector'\nschema = 'fraud'\n"
        "host = 'wg.123456789012.eu-west-1.redshift-serverless.amazonaws.com'\nport = 5439\n"
        "[redshift]\niam_role = 'arn:aws:iam::123456789012:role/fraudd-streaming'\n",
        FRAUDD_WAREHOUSE__PASSWORD="from-env-secret",
        FRAUDD_WAREHOUSE__S3_STAGING_URI="s3://fraudd-staging/loads/",
    )
    wh = s.warehouse
    assert (wh.dialect, wh.schema_name, wh.port) == ("redshift", "fraud", 5439)
    assert wh.password.get_secret_value() == "from-env-secret"
    assert wh.s3_staging_uri == "s3://fraudd-staging/loads/"
    assert s.redshift.iam_role.endswith(":role/fraudd-streaming")
    assert s.redshift.copy_iam_role == "default"


def test_an_incomplete_iam_login_in_toml_is_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[warehouse]\ndialect = 'redshift'\niam_auth = true\n")
    with pytest.raises(ConfigError) as refused:
        load_settings(path)
    assert str(refused.value) == (
        "invalid configuration: warehouse.iam_auth: name warehouse.serverless_workgroup "
        "(Serverless) or warehouse.cluster_identifier (provisioned)"
    )
