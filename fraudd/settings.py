"""Settings: one frozen model, read from a TOML file and overridden by ``FRAUDD_*`` variables.

Precedence (highest first): keyword arguments, environment (``FRAUDD_SECTION__KEY``), the TOML file
named by ``--config`` or ``FRAUDD_CONFIG``, defaults. Unknown keys are errors everywhere
(``extra="forbid"``). Nothing here reads the environment at import time: call :func:`load_settings`.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

EX_CONFIG = 78
"""Exit code for bad configuration (sysexits.h); systemd's ``RestartPreventExitStatus`` uses it."""

Role = Literal["producer", "ingest", "consumer", "actions", "console"]
ALL_ROLES: tuple[Role, ...] = ("producer", "ingest", "consumer", "actions")
"""The roles ``fraudd run`` starts by default (the console is asked for by name)."""
KNOWN_ROLES: tuple[Role, ...] = (*ALL_ROLES, "console")

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_AWS_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,256}$")
_IAM_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$")
_S3_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


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


_S3_PREFIX = re.compile(r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/([A-Za-z0-9!_.*()/=-]+/)?$")


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


class ConfigError(Exception):
    """Raised for any invalid configuration; the CLI prints it on one line and exits 78."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def derive(self, **changes: Any) -> Self:
        """A variant of this section with ``changes``, validated again (``model_copy`` is not)."""
        return self.model_validate({**self.model_dump(by_alias=True), **_by_alias(self, changes)})


class AwsSettings(Section):
    region: str = "eu-west-1"
    endpoint_url: str | None = Field(
        default=None, description="One endpoint for every AWS service (local stack); None = AWS."
    )
    access_key_id: SecretStr | None = Field(
        default=None, description="Only for the local stack; on EC2 use the instance role."
    )
    secret_access_key: SecretStr | None = None
    connect_timeout_s: float = Field(default=5.0, gt=0)
    read_timeout_s: float = Field(default=10.0, gt=0)


class KinesisSettings(Section):
    stream_name: AwsName = "fraudd-transactions"
    endpoint_url: str | None = None
    shard_count: int = Field(default=2, ge=1, le=64, description="Used when creating the stream.")
    put_batch_records: int = Field(default=500, ge=1, le=500)
    put_max_attempts: int = Field(default=8, ge=1)
    put_max_seconds: float = Field(default=30.0, gt=0)


class SnsSettings(Section):
    topic_name: AwsName = "fraudd-alerts"
    topic_arn: str | None = Field(default=None, description="Overrides topic_name when set.")
    endpoint_url: str | None = None
    fifo: bool = False


class SqsSettings(Section):
    """Queue subscribed to the topic; used by the demo and tests to read alerts back."""

    queue_name: AwsName = "fraudd-alerts-readback"
    endpoint_url: str | None = None


class WarehouseSettings(Section):
    dialect: Literal["postgres", "redshift"] = "postgres"
    driver: Literal["psycopg", "redshift_connector"] = "psycopg"
    host: str = "127.0.0.1"
    port: int = Field(default=5432, ge=1, le=65535)
    database: str = "fraudd"
    user: str = "fraudd"
    password: SecretStr = SecretStr("")
    sslmode: Literal["disable", "prefer", "require", "verify-ca", "verify-full"] = "prefer"
    allow_insecure_tls: bool = Field(
        default=False, description="Redshift only: permit sslmode weaker than verify-full."
    )
    schema_name: SqlIdentifier = Field(default="fraudd", alias="schema")
    streaming_view: SqlIdentifier = "tx_stream"
    refresh_view: bool = Field(
        default=False, description="Redshift: REFRESH MATERIALIZED VIEW before each poll."
    )
    iam_auth: bool = Field(
        default=False,
        description="Redshift with redshift_connector: log in with temporary credentials of the "
        "instance role (GetCredentials); user and password are then not used.",
    )
    serverless_workgroup: str | None = Field(
        default=None, description="IAM login to Redshift Serverless: the workgroup name."
    )
    cluster_identifier: str | None = Field(
        default=None, description="IAM login to a provisioned cluster: its identifier."
    )
    pool_size: int = Field(default=4, ge=1, le=64)
    statement_timeout_s: float = Field(default=30.0, gt=0)
    connect_timeout_s: float = Field(default=5.0, gt=0)
    s3_staging_uri: S3Prefix | None = Field(
        default=None,
        description="Redshift bulk loads (simulate history, history import): S3 prefix where "
        "CSV.gz files are staged for COPY ... IAM_ROLE <redshift.iam_role>, which needs "
        "s3:GetObject and s3:ListBucket on it; e.g. s3://my-bucket/fraudd/staging/.",
    )

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ProducerSettings(Section):
    rate_tps: float = Field(default=200.0, gt=0)
    customers: int = Field(default=5000, ge=1)
    terminals: int = Field(default=10000, ge=1)
    seed: int = 42
    speedup: float = Field(default=1.0, gt=0, description="Simulated seconds per wall second.")
    block_cache_ttl_s: float = Field(default=1.0, ge=0)
    label_delay_days: float = Field(default=7.0, ge=0)


class IngestSettings(Section):
    poll_interval_s: float = Field(default=0.2, gt=0)
    batch_records: int = Field(default=10000, ge=1, le=10000)


class ConsumerSettings(Section):
    group: SqlIdentifier = "default"
    poll_interval_s: float = Field(default=0.2, gt=0)
    batch_rows: int = Field(default=5000, ge=1)
    instance_index: int = Field(default=0, ge=0)
    instance_count: int = Field(default=1, ge=1)
    max_future_days: float = Field(
        default=30.0,
        gt=0,
        description="Quarantine swipes whose event time leads their arrival by more than this "
        "(simulated traffic at a high speed-up needs more).",
    )


class ActionsSettings(Section):
    poll_interval_s: float = Field(default=0.2, gt=0)
    batch_alerts: int = Field(default=100, ge=1, le=1000)
    block_hours: float = Field(default=24.0 * 30, gt=0)


class RulesSettings(Section):
    """Rules sit in front of the model: allow-list wins, then hard blocks, then thresholds."""

    allow_cards: tuple[str, ...] = ()
    block_cards: tuple[str, ...] = ()
    review_amount: float = Field(default=500.0, gt=0)
    block_amount: float = Field(default=2000.0, gt=0)
    velocity_window_s: float = Field(default=60.0, gt=0)
    velocity_max: int = Field(default=10, ge=1)


class RedshiftSettings(Section):
    """Objects only Redshift has; ``fraudd migrate`` creates them when warehouse.dialect = redshift.

    Values are spliced into DDL (Redshift takes no bind parameters there), so each is validated.
    """

    external_schema: SqlIdentifier = Field(
        default="fraudd_kinesis",
        description="CREATE EXTERNAL SCHEMA ... FROM KINESIS: the stream is a relation in it.",
    )
    iam_role: IamRole = Field(
        default="default",
        description="IAM_ROLE of CREATE EXTERNAL SCHEMA ... FROM KINESIS (streaming ingestion): "
        "'default' or a role ARN.",
    )
    copy_iam_role: IamRole = Field(
        default="default",
        description="IAM_ROLE of COPY from warehouse.s3_staging_uri (bulk loads).",
    )
    ml_iam_role: IamRole = Field(
        default="default",
        description="IAM_ROLE of CREATE MODEL (Redshift ML); it must trust SageMaker too.",
    )
    create_model_timeout_s: float = Field(
        default=3600.0,
        gt=0,
        description="CREATE MODEL returns once the training data is exported to S3; it runs on a "
        "connection of its own with this statement timeout instead of warehouse's.",
    )
    auto_refresh: bool = Field(
        default=True,
        description="AUTO REFRESH of the streaming view; false needs warehouse.refresh_view.",
    )
    model_name: SqlIdentifier = Field(default="fraudd_model", description="Redshift ML model.")
    s3_bucket: S3Bucket | None = Field(
        default=None, description="Bucket Redshift ML stages training data in (CREATE MODEL)."
    )


class ScoringSettings(Section):
    backend: Literal["rules", "local", "redshift-ml", "sagemaker"] = Field(
        default="local",
        description="local: the registry's active model (rules alone until one is trained).",
    )
    review_threshold: float | None = Field(default=None, ge=0, le=1)
    block_threshold: float | None = Field(default=None, ge=0, le=1)
    model_poll_s: float = Field(default=30.0, gt=0)
    sagemaker_endpoint: str | None = None
    redshift_ml_function: SqlIdentifier = "fraudd_predict"
    reason_codes: int = Field(default=3, ge=0, le=10)


class HttpSettings(Section):
    host: str = "127.0.0.1"
    port: int = Field(default=9108, ge=0, le=65535)
    heartbeat_timeout_s: float = Field(default=30.0, gt=0)


class ConsoleSettings(Section):
    """The investigators' web console (role ``console``); see fraudd.console."""

    host: str = "127.0.0.1"
    port: int = Field(default=8082, ge=0, le=65535)
    auth: Literal["local", "alb"] = Field(
        default="local",
        description="local: tokens from `fraudd console token`; alb: only the ALB's signed "
        "x-amzn-oidc-data header is trusted (local tokens are refused).",
    )
    token_secret: SecretStr | None = Field(
        default=None,
        description="Signs login tokens, sessions and CSRF tokens (at least 32 characters). "
        "Unset on the local profile: a random secret kept in local.state_dir/console-secret.",
    )
    token_ttl_s: float = Field(default=300.0, gt=0, le=3600, description="Login token lifetime.")
    session_ttl_s: float = Field(default=8 * 3600.0, gt=0, le=24 * 3600)
    public_url: str | None = Field(
        default=None, description="Where browsers reach the console (printed with tokens)."
    )
    alb_signer_arn: str | None = Field(
        default=None, description="auth = alb: the load balancer's ARN; other signers are refused."
    )
    alb_key_url: str | None = Field(
        default=None,
        description="auth = alb: base URL of the ALB public keys (the key id is appended); "
        "default https://public-keys.auth.elb.<aws.region>.amazonaws.com",
    )
    role_claim: str = Field(default="groups", description="auth = alb: claim naming the groups.")
    investigator_groups: tuple[str, ...] = ("fraudd-investigators",)
    viewer_groups: tuple[str, ...] = ("fraudd-viewers",)
    page_size: int = Field(default=50, ge=1, le=500)
    intake_poll_s: float = Field(default=2.0, gt=0)
    intake_days: float = Field(
        default=30.0, gt=0, description="Alerts older than this never open a case."
    )
    history_rows: int = Field(default=20, ge=1, le=500)
    extend_hours: float = Field(default=24.0, gt=0, description="What 'extend block' adds.")


class LocalStackSettings(Section):
    state_dir: Path = Path(".fraudd")
    kinesis_port: int = Field(default=4567, ge=1, le=65535)
    moto_port: int = Field(default=4566, ge=1, le=65535)
    postgres_port: int = Field(default=54329, ge=1, le=65535)


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
                data[name] = {**data[name], **_by_alias(getattr(self, name), value)}
            else:
                data[name] = value
        return type(self).model_validate(data)

    def endpoint(self, service: Literal["kinesis", "sns", "sqs"]) -> str | None:
        """The endpoint URL of one AWS service: its own override, else the shared one."""
        own: str | None = getattr(self, service).endpoint_url
        return own or self.aws.endpoint_url


def _by_alias(section: BaseModel, values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` keyed as the section's dump is (a field's alias where it has one)."""
    fields = type(section).model_fields
    return {(fields[k].alias or k) if k in fields else k: v for k, v in values.items()}


def _check_toml(path: Path) -> None:
    try:
        tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"config file {path}: cannot read ({exc.strerror or exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path}: not valid TOML ({exc})") from exc


def _describe(exc: ValidationError) -> str:
    first = exc.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "<root>"
    problem = "unknown key" if first["type"] == "extra_forbidden" else first["msg"]
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{key}: {problem}{more}"


def load_settings(config: Path | str | None = None, **overrides: Any) -> Settings:
    """Load and validate settings; raise :class:`ConfigError` with one clear line on any problem.

    ``config`` defaults to ``$FRAUDD_CONFIG``; with neither, only environment and defaults apply.
    """
    path_text = str(config) if config is not None else os.environ.get("FRAUDD_CONFIG")
    path = Path(path_text) if path_text else None
    if path is not None:
        _check_toml(path)
    try:
        settings = Settings(_toml_file=path, **overrides)  # type: ignore[call-arg]
    except ValidationError as exc:
        raise ConfigError(f"invalid configuration: {_describe(exc)}") from None
    _check_profile(settings)
    return settings


def _check_profile(settings: Settings) -> None:
    """Cross-field rules that only make sense for a whole configuration."""
    wh = settings.warehouse
    if settings.profile == "aws" and wh.dialect == "redshift":
        if wh.sslmode != "verify-full" and not wh.allow_insecure_tls:
            raise ConfigError(
                "invalid configuration: warehouse.sslmode: must be verify-full for Redshift "
                "(set warehouse.allow_insecure_tls = true to override)"
            )
    if wh.dialect == "redshift":
        _check_redshift(settings)
    _check_scoring(settings)
    _check_console(settings)
    if settings.consumer.instance_index >= settings.consumer.instance_count:
        raise ConfigError(
            "invalid configuration: consumer.instance_index: must be below consumer.instance_count"
        )


def _check_redshift(settings: Settings) -> None:
    rs, wh = settings.redshift, settings.warehouse
    if rs.external_schema == wh.schema_name:
        raise ConfigError(
            "invalid configuration: redshift.external_schema: must differ from warehouse.schema "
            "(it holds the stream, not fraudd's tables)"
        )
    if wh.iam_auth and not (wh.serverless_workgroup or wh.cluster_identifier):
        raise ConfigError(
            "invalid configuration: warehouse.iam_auth: name warehouse.serverless_workgroup "
            "(Serverless) or warehouse.cluster_identifier (provisioned)"
        )
    if wh.iam_auth and wh.driver != "redshift_connector":
        raise ConfigError(
            "invalid configuration: warehouse.iam_auth: needs "
            'warehouse.driver = "redshift_connector"'
        )
    if not rs.auto_refresh and not wh.refresh_view:
        raise ConfigError(
            "invalid configuration: redshift.auto_refresh: with false, set "
            "warehouse.refresh_view = true or the streaming view never refreshes"
        )


def redacted(settings: Settings) -> dict[str, Any]:
    """The effective settings as plain data, secrets shown as ``**********``."""
    return settings.model_dump(mode="json", by_alias=True)


def _check_scoring(settings: Settings) -> None:
    s = settings.scoring
    if s.backend == "sagemaker" and not s.sagemaker_endpoint:
        raise ConfigError(
            "invalid configuration: scoring.sagemaker_endpoint: required for backend sagemaker"
        )
    if s.backend == "redshift-ml":
        if settings.warehouse.dialect != "redshift":
            raise ConfigError(
                "invalid configuration: scoring.backend: "
                "redshift-ml needs warehouse.dialect = redshift"
            )
        if s.review_threshold is None or s.block_threshold is None:
            raise ConfigError(
                "invalid configuration: scoring.review_threshold: backend redshift-ml needs "
                "review_threshold and block_threshold"
            )


def _check_console(settings: Settings) -> None:
    c = settings.console
    if c.auth == "alb" and not c.alb_signer_arn and "console" in settings.roles:
        raise ConfigError(
            "invalid configuration: console.alb_signer_arn: required with console.auth = alb "
            "(the load balancer's ARN, so that no other signer is trusted)"
        )
    secret = c.token_secret.get_secret_value() if c.token_secret is not None else None
    if secret is not None and len(secret) < 32:
        raise ConfigError(
            "invalid configuration: console.token_secret: must be at least 32 characters"
        )
    if secret is None and settings.profile == "aws" and "console" in settings.roles:
        raise ConfigError(
            "invalid configuration: console.token_secret: required on the aws profile "
            "(it signs sessions and CSRF tokens)"
        )
