"""The emulators' boto3 clients: credentials from settings or the dummy pair, and a client that
really talks to the running local stack."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from pydantic import SecretStr

from fraudd.localstack import StackInfo, aws
from fraudd.settings import AwsSettings, Settings


def test_credentials_default_to_the_local_pair_and_come_from_settings_when_set() -> None:
    assert aws.credentials(Settings()) == (aws.LOCAL_CREDENTIAL, aws.LOCAL_CREDENTIAL)
    keyed = Settings(
        aws=AwsSettings(access_key_id=SecretStr("AKIDLOCAL"), secret_access_key=SecretStr("s3"))
    )
    assert aws.credentials(keyed) == ("AKIDLOCAL", "s3")


def test_client_talks_to_the_emulator_in_the_configured_region(
    local_stack: tuple[Settings, StackInfo],
) -> None:
    settings, info = local_stack
    kinesis = aws.client("kinesis", settings, info.kinesis_endpoint)
    assert kinesis.meta.region_name == settings.aws.region
    assert kinesis.meta.endpoint_url == info.kinesis_endpoint
    assert info.stream_name in kinesis.list_streams()["StreamNames"]
    # Short timeouts and few retries: a dead emulator is reported in seconds, not minutes.
    config = kinesis.meta.config
    assert (config.connect_timeout, config.read_timeout) == (2, 10)
    # botocore turns max_attempts (retries) into total_max_attempts (the first call counts too).
    assert config.retries == {"total_max_attempts": 3, "mode": "standard"}


def unanswered_client(service: str) -> Any:
    """A client of a port nothing listens on (1), without retries: a health check's "down"."""
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url="http://127.0.0.1:1",
        region_name="eu-west-1",
        aws_access_key_id=aws.LOCAL_CREDENTIAL,
        aws_secret_access_key=aws.LOCAL_CREDENTIAL,
        config=Config(retries={"total_max_attempts": 1}),
    )
