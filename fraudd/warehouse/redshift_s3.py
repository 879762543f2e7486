"""Staging for Redshift: CSV chunks gzip-compressed to S3, then one ``COPY ... FROM 's3://...'``.

Redshift cannot ``COPY FROM STDIN``, and row-by-row INSERTs of millions of rows take hours:
its bulk path is COPY from S3, which loads every file under a prefix in parallel on all slices
(https://docs.aws.amazon.com/redshift/latest/dg/t_loading-tables-from-s3.html). Each load writes
its files under a fresh prefix (``<warehouse.s3_staging_uri>fraudd-load-<id>/``) and deletes
them afterwards. The cluster reads them with ``redshift.copy_iam_role``.

COPY takes no bind parameters, so the S3 URI, role and region are spliced into the statement
(``copy_staging`` in ``sql/redshift/statements/history.sql``): all come from settings validated
against strict patterns (no quotes possible) and are checked again here.
"""

from __future__ import annotations

import asyncio
import gzip
import re
import uuid
from collections.abc import AsyncIterable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any, Final

import structlog
from botocore.exceptions import ClientError

from fraudd.settings import Settings
from fraudd.warehouse.base import Connection
from fraudd.warehouse.sqlfiles import load_statement

log = structlog.get_logger(__name__)

_URI = re.compile(r"^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/([A-Za-z0-9!_.*()/=-]*)$")
_ROLE = re.compile(r"^(default|arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]{1,512})$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
GZIP_LEVEL: Final[int] = 1


class StagingConfigError(ValueError):
    """A bulk load cannot start with this configuration; the message says what to set."""


def copy_statement(uri: str, iam_role: str, region: str) -> str:
    """``COPY fraudd_history_staging (...) FROM 'uri' IAM_ROLE ... CSV GZIP ...``."""
    if not _URI.fullmatch(uri) or not uri.endswith("/"):
        raise ValueError(f"not an S3 prefix URI: {uri!r}")
    if not _ROLE.fullmatch(iam_role):
        raise ValueError(f"not an IAM role ARN or 'default': {iam_role!r}")
    if not _REGION.fullmatch(region):
        raise ValueError(f"not an AWS region: {region!r}")
    return load_statement(
        "redshift", "history", "copy_staging", uri=uri, iam_role=iam_role, region=region
    )


def staging_uri(settings: Settings) -> str:
    """``warehouse.s3_staging_uri``, or :class:`StagingConfigError` when it is not set."""
    uri = settings.warehouse.s3_staging_uri
    if uri is None:
        raise StagingConfigError(
            "warehouse.s3_staging_uri: required for bulk loads into Redshift "
            "(an S3 prefix the cluster can read with redshift.copy_iam_role)"
        )
    return uri


@dataclass
class S3Stager:
    """Uploads CSV chunks to S3 and loads them into the staging table with one COPY."""

    client: Any
    """An aiobotocore S3 client (:func:`fraudd.aws.open_client`)."""
    staging_uri: str
    iam_role: str
    region: str

    @classmethod
    def from_settings(cls, client: Any, settings: Settings) -> S3Stager:
        """Raise :class:`StagingConfigError` when the staging prefix is not configured."""
        return cls(
            client, staging_uri(settings), settings.redshift.copy_iam_role, settings.aws.region
        )

    async def stage(self, conn: Connection, chunks: AsyncIterable[str]) -> int:
        """Upload every chunk as a CSV.gz part, COPY them all, delete them."""
        match = _URI.fullmatch(self.staging_uri)
        if match is None:
            raise ValueError(f"not an S3 prefix URI: {self.staging_uri!r}")
        bucket, prefix = match.group(1), f"{match.group(2)}fraudd-load-{uuid.uuid4().hex}/"
        keys: list[str] = []
        rows = 0
        try:
            async for text in chunks:
                if not text:
                    continue  # every row of the chunk was rejected
                body = await asyncio.to_thread(gzip.compress, text.encode(), GZIP_LEVEL)
                key = f"{prefix}part-{len(keys):05d}.csv.gz"
                await self._put(bucket, key, body)
                keys.append(key)
                rows += text.count("\n")
            if keys:  # COPY fails on a prefix without files
                uri = f"s3://{bucket}/{prefix}"
                await conn.execute(copy_statement(uri, self.iam_role, self.region))
        finally:
            await self._delete(bucket, keys)
        log.info("history.staged_on_s3", bucket=bucket, prefix=prefix, files=len(keys), rows=rows)
        return rows

    async def _put(self, bucket: str, key: str, body: bytes) -> None:
        """PutObject; a missing bucket or a denied write is a configuration error (one line)."""
        try:
            await self.client.put_object(Bucket=bucket, Key=key, Body=body)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "NoSuchBucket":
                raise StagingConfigError(
                    f"warehouse.s3_staging_uri: bucket {bucket} does not exist: use the stack's "
                    "StagingUri output (s3://<StagingBucketName>/staging/)"
                ) from None
            if code in ("AccessDenied", "AllAccessDisabled", "KMS.AccessDeniedException"):
                raise StagingConfigError(
                    f"warehouse.s3_staging_uri: this host may not write s3://{bucket}/{key} "
                    f"({code}): the stack's instance role may write under StagingUri only"
                ) from None
            raise

    async def _delete(self, bucket: str, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):  # DeleteObjects takes up to 1000 keys
            batch = [{"Key": key} for key in keys[start : start + 1000]]
            await self.client.delete_objects(Bucket=bucket, Delete={"Objects": batch})


async def stage_through_s3(settings: Settings, conn: Connection, chunks: AsyncIterable[str]) -> int:
    """Open an S3 client for this load and stage ``chunks`` with :class:`S3Stager`."""
    from fraudd import aws

    async with AsyncExitStack() as stack:
        client = await aws.open_client(stack, settings, "s3")
        return await S3Stager.from_settings(client, settings).stage(conn, chunks)
