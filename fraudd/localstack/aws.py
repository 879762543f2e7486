"""boto3 clients for the emulators, with dummy credentials and short timeouts."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from fraudd.settings import Settings

LOCAL_CREDENTIAL = "local"
"""Emulators accept any credentials; this one is used when settings.aws leaves them unset."""


def credentials(settings: Settings) -> tuple[str, str]:
    """The access key id and secret for the local stack."""
    aws = settings.aws
    key = aws.access_key_id.get_secret_value() if aws.access_key_id else LOCAL_CREDENTIAL
    secret = aws.secret_access_key.get_secret_value() if aws.secret_access_key else LOCAL_CREDENTIAL
    return key, secret


def client(service: str, settings: Settings, endpoint: str) -> Any:
    """A synchronous client of one emulated service (this module is CLI-only, never in the loop)."""
    key, secret = credentials(settings)
    config = Config(
        connect_timeout=2,
        read_timeout=10,
        retries={"max_attempts": 2, "mode": "standard"},
    )
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=endpoint,
        region_name=settings.aws.region,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=config,
    )
