"""The AWS services' sections: credentials and endpoints, the Kinesis stream, the SNS topic and
the SQS queue the demo and tests read alerts back from."""

from __future__ import annotations

from pydantic import Field, SecretStr

from fraudd.settings.base import AwsName, Section


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
