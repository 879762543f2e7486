"""A bulk load with a missing staging bucket fails at its first upload with one line (moto S3)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import pytest

from fraudd import aws
from fraudd.localstack import StackInfo
from fraudd.settings import Settings
from fraudd.warehouse.api.history import StagingConfigError
from fraudd.warehouse.redshift.s3stage import S3Stager
from tests.warehouse.test_s3stage import RecordingConnection


async def test_a_missing_bucket_names_the_setting_and_the_stack_output(
    local_stack: tuple[Settings, StackInfo],
) -> None:
    base, info = local_stack
    settings = base.derive(
        **{
            "aws": base.aws.derive(**{"endpoint_url": info.moto_endpoint}),
            "warehouse": base.warehouse.derive(
                **{"dialect": "redshift", "s3_staging_uri": "s3://no-such-bucket-12/staging/"}
            ),
        }
    )

    async def chunks() -> AsyncIterator[str]:
        yield "1,a\n"

    async with AsyncExitStack() as stack:
        s3 = await aws.open_client(stack, settings, "s3")
        conn: Any = RecordingConnection(s3, "no-such-bucket-12")
        with pytest.raises(StagingConfigError) as failed:
            await S3Stager.from_settings(s3, settings).stage(conn, chunks())
    message = str(failed.value)
    assert "\n" not in message
    assert "warehouse.s3_staging_uri" in message and "no-such-bucket-12" in message
    assert "StagingUri" in message
    assert conn.statements == []  # no COPY of files that were never staged
