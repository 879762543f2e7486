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


class ConfigError(Exception):
    """Raised for any invalid configuration; the CLI prints it on one line and exits 78."""


def conflict(key: str, problem: str) -> PydanticCustomError:
    """The error of a cross-field rule: ``key`` (dotted, relative to the model whose validator
    raises it) is the setting to change, ``problem`` what is wrong with it and what to do."""
    return PydanticCustomError(CONFLICT, "{problem}", {"key": key, "problem": problem})


def _matching(pattern: str, message: str) -> AfterValidator:
    """A validator that accepts a string only if all of it matches ``pattern``."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(message)
        return value

    return AfterValidator(check)


_IDENTIFIER = r"[a-z_][a-z0-9_]{0,62}"
_AWS_NAME = r"[A-Za-z0-9_.-]{1,256}"
_IAM_ROLE_ARN = r"arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}"
_S3_BUCKET = r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"

SqlIdentifier = Annotated[
    str,
    # Invariant 7: identifiers from configuration are spliced into SQL, so they must be plain.
    _matching(_IDENTIFIER, f"must match ^{_IDENTIFIER}$ (lower-case SQL identifier)"),
]
AwsName = Annotated[str, _matching(_AWS_NAME, f"must match ^{_AWS_NAME}$")]
S3Prefix = Annotated[
    str,
    # Spliced into Redshift's COPY (no parameters there): a strict pattern, no quotes.
    _matching(
        rf"s3://{_S3_BUCKET}/([A-Za-z0-9!_.*()/=-]+/)?",
        "must be s3://bucket/ or s3://bucket/prefix/ (ending in /)",
    ),
]
IamRole = Annotated[
    str,
    _matching(
        rf"default|{_IAM_ROLE_ARN}",
        'must be "default" or an IAM role ARN (arn:aws:iam::<id>:role/<name>)',
    ),
]
S3Bucket = Annotated[str, _matching(_S3_BUCKET, f"must be an S3 bucket name (^{_S3_BUCKET}$)")]


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
