"""What every section is built from: the validated string types (what each refuses, with which
message), the cross-field error, and a section's own ``derive``."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest
from pydantic import BaseModel

from fraudd.settings import Settings, base, describe, load_settings


class Names(BaseModel):
    identifier: base.SqlIdentifier = "x"
    aws_name: base.AwsName = "x"
    prefix: base.S3Prefix = "s3://bucket/"
    role: base.IamRole = "default"
    bucket: base.S3Bucket = "bucket"


@pytest.mark.parametrize(
    ("field", "good"),
    [
        ("identifier", ["fraudd", "_t1", "a" * 63]),
        ("aws_name", ["fraudd-alerts", "alerts.fifo", "A_b-1." * 40]),
        ("prefix", ["s3://my-bucket/", "s3://my.bucket/fraudd/staging/", "s3://b1b/a=1/x_(y)/"]),
        ("role", ["default", "arn:aws:iam::123456789012:role/fraudd",
                  "arn:aws-cn:iam::123456789012:role/a/b"]),
        ("bucket", ["abc", "my.bucket-1", "a" * 63]),
    ],
)  # fmt: skip
def test_plain_values_are_accepted(field: str, good: list[str]) -> None:
    for value in good:
        assert getattr(Names(**{field: value}), field) == value


@pytest.mark.parametrize(
    ("field", "bad", "message"),
    [
        ("identifier", ["Fraudd", "1abc", "x; drop table t", "a" * 64, "x-y", ""],
         "(lower-case SQL identifier)"),
        ("aws_name", ["a b", "", "x" * 257, "alerts/x"], "must match ^[A-Za-z0-9_.-]{1,256}$"),
        ("prefix", ["s3://bucket", "s3://bucket/no-slash", "s3://b/x/", "s3://bucket/a'b/",
                    "https://bucket/"],
         "must be s3://bucket/ or s3://bucket/prefix/ (ending in /)"),
        ("role", ["Default", "arn:aws:iam::12345:role/x", "arn:aws:iam::123456789012:user/x",
                  "arn:aws:iam::123456789012:role/a'b"], 'must be "default" or an IAM role ARN'),
        ("bucket", ["ab", "My-Bucket", "-bucket", "bucket-", "a" * 64],
         "must be an S3 bucket name"),
    ],
)  # fmt: skip
def test_each_string_type_refuses_with_its_message(
    field: str, bad: list[str], message: str
) -> None:
    for value in bad:
        with pytest.raises(pydantic.ValidationError) as refused:
            Names(**{field: value})
        assert message in refused.value.errors()[0]["msg"], value


def test_a_conflict_names_the_setting_to_change() -> None:
    error = base.conflict("instance_index", "must be below consumer.instance_count")
    assert error.type == base.CONFLICT
    assert error.context == {
        "key": "instance_index",
        "problem": "must be below consumer.instance_count",
    }
    assert str(error) == "must be below consumer.instance_count"


def test_a_sections_derive_validates_again_and_keeps_the_rest() -> None:
    wh = Settings().warehouse
    variant = wh.derive(schema_name="other", pool_size=8)
    assert (variant.schema_name, variant.pool_size, variant.host) == ("other", 8, wh.host)
    assert wh.schema_name == "fraudd"  # frozen: the original is untouched
    with pytest.raises(pydantic.ValidationError, match="lower-case SQL identifier"):
        wh.derive(schema_name="Robert'); DROP TABLE students;--")
    with pytest.raises(pydantic.ValidationError, match="Extra inputs are not permitted"):
        wh.derive(nonsense=1)


def test_by_alias_keys_values_as_the_sections_dump_does() -> None:
    wh = Settings().warehouse
    assert base.by_alias(wh, {"schema_name": "s", "host": "h", "other": 1}) == {
        "schema": "s", "host": "h", "other": 1,
    }  # fmt: skip
    assert "schema" in wh.model_dump(by_alias=True)


def test_every_section_is_frozen_and_refuses_unknown_keys() -> None:
    for name, field in Settings.model_fields.items():
        section = getattr(Settings(), name)
        if not isinstance(section, base.Section):
            continue
        assert type(section).model_config["frozen"], name
        assert type(section).model_config["extra"] == "forbid", name
        with pytest.raises(pydantic.ValidationError, match="Extra inputs"):
            type(section).model_validate({"no_such_key": 1})
        assert field.annotation is type(section)


def test_a_bad_value_in_toml_is_one_config_error_line(tmp_path: Path) -> None:
    path = tmp_path / "fraudd.toml"
    path.write_text("[redshift]\niam_role = 'admin'\n[warehouse]\nschema = 'A'\n")
    with pytest.raises(base.ConfigError) as refused:
        load_settings(path)
    message = str(refused.value)
    assert message.startswith("invalid configuration: warehouse.schema: Value error, must match")
    assert message.endswith("(and 1 more)") and "\n" not in message
    assert base.EX_CONFIG == 78  # sysexits EX_CONFIG: systemd's RestartPreventExitStatus names it


def test_describe_names_a_conflicts_key_under_its_section() -> None:
    with pytest.raises(pydantic.ValidationError) as refused:
        Settings(consumer={"instance_index": 3, "instance_count": 2})
    assert describe(refused.value) == (
        "consumer.instance_index: must be below consumer.instance_count"
    )
