"""The warehouse's sections: how to reach it (either dialect) and the objects only Redshift has."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import ConfigDict, Field, SecretStr, model_validator

from fraudd.settings.base import IamRole, S3Bucket, S3Prefix, Section, SqlIdentifier, conflict


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
    aws_profile: str | None = Field(
        default=None,
        description="IAM login: the AWS profile (in the AWS config file) whose credentials "
        "log in; unset: the default chain (the instance role).",
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

    @model_validator(mode="after")
    def _iam_login_is_complete(self) -> Self:
        """An IAM login to Redshift names its target and goes through redshift_connector."""
        if self.dialect != "redshift" or not self.iam_auth:
            return self
        if not (self.serverless_workgroup or self.cluster_identifier):
            raise conflict(
                "iam_auth",
                "name warehouse.serverless_workgroup (Serverless) or "
                "warehouse.cluster_identifier (provisioned)",
            )
        if self.driver != "redshift_connector":
            raise conflict("iam_auth", 'needs warehouse.driver = "redshift_connector"')
        return self


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
