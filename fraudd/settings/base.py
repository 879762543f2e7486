"""What every settings section is built from: the base class, the validated string types, and the
error a cross-field rule raises.

A rule that relates two fields is a ``model_validator(mode="after")`` on the smallest model that
holds both (a section, or :class:`~fraudd.settings.Settings` for rules across sections), so that
every construction runs it — loading, ``derive`` and a test's ``Settings(...)`` alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic_core import PydanticCustomError

EX_CONFIG = 78
"""Exit code for bad configuration (sysexits.h); systemd's ``RestartPreventExitStatus`` uses it."""

CONFLICT = "settings_conflict"
"""The pydantic error type of a cross-field rule; its ``ctx["key"]`` names the setting to change."""

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_AWS_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,256}$")
_IAM_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$")
_S3_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_S3_PREFIX = re.compile(r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/([A-Za-z0-9!_.*()/=-]+/)?$")


class ConfigError(Exception):
    """Raised for any invalid configuration; the CLI prints it on one line and exits 78."""


def conflict(key: str, problem: str) -> PydanticCustomError:
    """The error of a cross-field rule: ``key`` (dotted, relative to the model whose validator
    raises it) is the setting to change, ``problem`` what is wrong with it and what to do."""
    return PydanticCustomError(CONFLICT, "{problem}", {"key": key, "problem": problem})


def _sql_identifier(value: str) -> str:
    """Invariant 7: identifiers from configuration are spliced into SQL, so they must be plain."""
    if not _IDENTIFIER.fullmatch(value):
        raise ValueError(f"must match {_IDENTIFIER.pattern} (lower-case SQL identifier)")
    return value


def _aws_name(value: str) -> str:
    if not _AWS_NAME.fullmatch(value):
        raise ValueError(f"must match {_AWS_NAME.pattern}")
    return value


def _iam_role(value: str) -> str:
    if value != "default" and not _IAM_ROLE_ARN.fullmatch(value):
        raise ValueError('must be "default" or an IAM role ARN (arn:aws:iam::<id>:role/<name>)')
    return value


def _s3_bucket(value: str) -> str:
    if not _S3_BUCKET.fullmatch(value):
        raise ValueError(f"must be an S3 bucket name ({_S3_BUCKET.pattern})")
    return value


def _s3_prefix(value: str) -> str:
    """Spliced into Redshift's COPY (no parameters there): a strict pattern, no quotes."""
    if not _S3_PREFIX.fullmatch(value):
        raise ValueError("must be s3://bucket/ or s3://bucket/prefix/ (ending in /)")
    return value


SqlIdentifier = Annotated[str, AfterValidator(_sql_identifier)]
AwsName = Annotated[str, AfterValidator(_aws_name)]
S3Prefix = Annotated[str, AfterValidator(_s3_prefix)]
IamRole = Annotated[str, AfterValidator(_iam_role)]
S3Bucket = Annotated[str, AfterValidator(_s3_bucket)]


class Section(BaseModel):
    """One ``[section]`` of the configuration: frozen, unknown keys refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def derive(self, **changes: Any) -> Self:
        """A variant of this section with ``changes``, validated again (``model_copy`` is not)."""
        return self.model_validate({**self.model_dump(by_alias=True), **by_alias(self, changes)})


def by_alias(section: BaseModel, values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` keyed as the section's dump is (a field's alias where it has one)."""
    fields = type(section).model_fields
    return {(fields[k].alias or k) if k in fields else k: v for k, v in values.items()}
