"""Settings: one frozen model, read from a TOML file and overridden by ``FRAUDD_*`` variables.

Precedence (highest first): keyword arguments, environment (``FRAUDD_SECTION__KEY``), the TOML file
named by ``--config`` or ``FRAUDD_CONFIG``, defaults. Unknown keys are errors everywhere
(``extra="forbid"``). Nothing here reads the environment at import time: call :func:`load_settings`.

The root model and loading live here; each group of sections has a module of its own (``aws``,
``warehouse``, ``roles``, ``scoring``, ``servers``, ``local``), the validated types and the
section base in ``base``, the rules across sections in ``checks``. Import everything from
``fraudd.settings``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, Field, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from fraudd.settings import checks
from fraudd.settings.aws import AwsSettings, KinesisSettings, SnsSettings, SqsSettings
from fraudd.settings.base import (
    CONFLICT,
    EX_CONFIG,
    AwsName,
    ConfigError,
    IamRole,
    S3Bucket,
    S3Prefix,
    Section,
    SqlIdentifier,
    by_alias,
)
from fraudd.settings.local import LocalStackSettings
from fraudd.settings.roles import (
    ALL_ROLES,
    KNOWN_ROLES,
    ActionsSettings,
    ConsumerSettings,
    FraudMode,
    IngestSettings,
    ProducerSettings,
    Role,
)
from fraudd.settings.scoring import RulesSettings, ScoringSettings
from fraudd.settings.servers import ConsoleSettings, HttpSettings
from fraudd.settings.warehouse import RedshiftSettings, WarehouseSettings

__all__ = [
    "ALL_ROLES",
    "EX_CONFIG",
    "KNOWN_ROLES",
    "ActionsSettings",
    "AwsName",
    "AwsSettings",
    "ConfigError",
    "ConsoleSettings",
    "ConsumerSettings",
    "FraudMode",
    "HttpSettings",
    "IamRole",
    "IngestSettings",
    "KinesisSettings",
    "LocalStackSettings",
    "ProducerSettings",
    "RedshiftSettings",
    "Role",
    "RulesSettings",
    "S3Bucket",
    "S3Prefix",
    "ScoringSettings",
    "Section",
    "Settings",
    "SnsSettings",
    "SqlIdentifier",
    "SqsSettings",
    "WarehouseSettings",
    "describe",
    "load_settings",
    "redacted",
    "settings_error",
]


class Settings(BaseSettings):
    """The whole configuration of one fraudd process."""

    model_config = SettingsConfigDict(
        env_prefix="FRAUDD_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
        case_sensitive=False,
    )

    profile: Literal["local", "aws"] = "local"
    roles: tuple[Role, ...] = ALL_ROLES
    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    grace_period_s: float = Field(default=20.0, gt=0)

    aws: AwsSettings = AwsSettings()
    kinesis: KinesisSettings = KinesisSettings()
    sns: SnsSettings = SnsSettings()
    sqs: SqsSettings = SqsSettings()
    warehouse: WarehouseSettings = WarehouseSettings()
    producer: ProducerSettings = ProducerSettings()
    ingest: IngestSettings = IngestSettings()
    consumer: ConsumerSettings = ConsumerSettings()
    actions: ActionsSettings = ActionsSettings()
    rules: RulesSettings = RulesSettings()
    scoring: ScoringSettings = ScoringSettings()
    redshift: RedshiftSettings = RedshiftSettings()
    http: HttpSettings = HttpSettings()
    console: ConsoleSettings = ConsoleSettings()
    local: LocalStackSettings = LocalStackSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = init_settings.init_kwargs.pop("_toml_file", None)  # type: ignore[attr-defined]
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
        return tuple(sources)

    @model_validator(mode="after")
    def _sections_agree(self) -> Self:
        """The rules across sections (:mod:`fraudd.settings.checks`), on every construction."""
        checks.check(self)
        return self

    def derive(self, **changes: Any) -> Settings:
        """A variant of these settings, validated again as a whole (``model_copy`` is not).

        Each keyword names a top-level field; a mapping is merged into that section
        (``derive(consumer={"group": "g"})``), any other value replaces the field. The
        environment and the TOML file are not read again: the variant starts from ``self``.
        """
        data = self.model_dump(by_alias=True)
        for name, value in changes.items():
            if name not in type(self).model_fields:
                raise ValueError(f"settings have no section or field {name!r}")
            if isinstance(value, BaseModel):
                value = value.model_dump(by_alias=True)
            if isinstance(value, Mapping) and isinstance(data[name], dict):
                data[name] = {**data[name], **by_alias(getattr(self, name), value)}
            else:
                data[name] = value
        return type(self).model_validate(data)

    def endpoint(self, service: Literal["kinesis", "sns", "sqs"]) -> str | None:
        """The endpoint URL of one AWS service: its own override, else the shared one."""
        own: str | None = getattr(self, service).endpoint_url
        return own or self.aws.endpoint_url


def load_settings(config: Path | str | None = None, **overrides: Any) -> Settings:
    """Load and validate settings; raise :class:`ConfigError` with one clear line on any problem.

    ``config`` defaults to ``$FRAUDD_CONFIG``; with neither, only environment and defaults apply.
    """
    path_text = str(config) if config is not None else os.environ.get("FRAUDD_CONFIG")
    path = Path(path_text) if path_text else None
    if path is not None:
        _check_toml(path)
    try:
        return Settings(_toml_file=path, **overrides)  # type: ignore[call-arg]
    except ValidationError as exc:
        raise ConfigError(f"invalid configuration: {describe(exc)}") from None


def _check_toml(path: Path) -> None:
    try:
        tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"config file {path}: cannot read ({exc.strerror or exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path}: not valid TOML ({exc})") from exc


def describe(exc: ValidationError) -> str:
    """The first error as ``key: problem`` (``consumer.instance_index: must be below …``)."""
    first = exc.errors()[0]
    path = [str(part) for part in first["loc"]]
    if first["type"] == CONFLICT:  # a cross-field rule names its key relative to its model
        path.append(str(first.get("ctx", {})["key"]))
    key = ".".join(path) or "<root>"
    problem = "unknown key" if first["type"] == "extra_forbidden" else first["msg"]
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{key}: {problem}{more}"


def settings_error(exc: BaseException) -> ConfigError | None:
    """``exc`` as a :class:`ConfigError` when it is a settings model refusing a value (as
    ``derive`` does with a command's options), else None."""
    models = {Settings.__name__, *(cls.__name__ for cls in Section.__subclasses__())}
    if isinstance(exc, ValidationError) and exc.title in models:
        return ConfigError(f"invalid configuration: {describe(exc)}")
    return None


def redacted(settings: Settings) -> dict[str, Any]:
    """The effective settings as plain data, secrets shown as ``**********``."""
    return settings.model_dump(mode="json", by_alias=True)
