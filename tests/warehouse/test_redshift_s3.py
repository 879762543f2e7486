"""Redshift staging (fraudd/warehouse/redshift_s3.py): CSV.gz parts on S3 (the local
stack's moto server), the COPY statement, and a bulk load's configuration errors."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import pytest
from pydantic import ValidationError

from fraudd import aws
from fraudd.history.columns import NORMAL_COLUMNS
from fraudd.localstack import StackInfo
from fraudd.settings import RedshiftSettings, Settings, WarehouseSettings
from fraudd.warehouse import WarehouseError
from fraudd.warehouse.history import RedshiftBulkLoad
from fraudd.warehouse.redshift_s3 import S3Stager, StagingConfigError, copy_statement, staging_uri
from tests.redshift.test_redshift_sql import code

ROLE = "arn:aws:iam::123456789012:role/fraudd-copy"


def test_copy_statement_names_the_prefix_role_and_format() -> None:
    sql = code(copy_statement("s3://b-1/p/x/", ROLE, "eu-west-1"))
    columns = ", ".join(NORMAL_COLUMNS)
    assert sql == (
        f"COPY fraudd_history_staging ({columns}) FROM 's3://b-1/p/x/' "
        f"IAM_ROLE '{ROLE}' FORMAT AS CSV GZIP EMPTYASNULL TIMEFORMAT 'auto' REGION 'eu-west-1'"
    )
    default = code(copy_statement("s3://bucket/", "default", "us-east-1"))
    assert "IAM_ROLE default FORMAT" in default


@pytest.mark.parametrize(
    ("uri", "role", "region"),
    [
        ("s3://b-1/p'; DROP TABLE x; --/", ROLE, "eu-west-1"),
        ("s3://b-1/no-slash", ROLE, "eu-west-1"),
        ("https://b-1/p/", ROLE, "eu-west-1"),
        ("s3://b-1/p/", "arn:aws:iam::1:role/x' --", "eu-west-1"),
        ("s3://b-1/p/", ROLE, "eu-west-1' --"),
    ],
)
def test_copy_statement_refuses_anything_that_could_break_out(
    uri: str, role: str, region: str
) -> None:
    with pytest.raises(ValueError, match="not an"):
        copy_statement(uri, role, region)


def test_staging_prefix_is_validated_and_required_for_redshift() -> None:
    with pytest.raises(ValidationError):
        WarehouseSettings(s3_staging_uri="s3://bucket/x'/")
    with pytest.raises(StagingConfigError, match="s3_staging_uri"):
        staging_uri(Settings(warehouse=WarehouseSettings(dialect="redshift")))


class RecordingConnection:
    """Stands in for Redshift: records the COPY and what the staged files hold at that moment."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self.s3, self.bucket = s3, bucket
        self.statements: list[str] = []
        self.staged: dict[str, str] = {}

    async def execute(self, sql: str, *args: Any) -> int:
        self.statements.append(sql)
        listing = await self.s3.list_objects_v2(Bucket=self.bucket)
        for item in listing.get("Contents", []):
            body = await (await self.s3.get_object(Bucket=self.bucket, Key=item["Key"]))[
                "Body"
            ].read()
            self.staged[item["Key"]] = gzip.decompress(body).decode()
        return 0


def staging_on_moto(
    local_stack: tuple[Settings, StackInfo], uri: str, copy_role: str | None = None
) -> Settings:
    """The session's settings with AWS on its moto server and Redshift's staging at ``uri``
    (COPY with ``copy_role`` when given)."""
    base, info = local_stack
    settings = base.derive(
        aws=base.aws.derive(endpoint_url=info.moto_endpoint),
        warehouse=base.warehouse.derive(dialect="redshift", s3_staging_uri=uri),
    )
    if copy_role is None:
        return settings
    return settings.derive(redshift=RedshiftSettings(copy_iam_role=copy_role))


async def _texts(*texts: str) -> AsyncIterator[str]:
    for text in texts:
        yield text


async def _with_bucket(stack: AsyncExitStack, settings: Settings, bucket: str) -> Any:
    """An S3 client on moto, with ``bucket`` created (in eu-west-1, as the other tests)."""
    s3 = await aws.open_client(stack, settings, "s3")
    where = {"LocationConstraint": "eu-west-1"}
    await s3.create_bucket(Bucket=bucket, CreateBucketConfiguration=where)
    return s3


async def test_stager_uploads_parts_copies_them_once_and_deletes_them(
    local_stack: tuple[Settings, StackInfo],
) -> None:
    settings = staging_on_moto(local_stack, "s3://fraudd-staging/loads/", copy_role=ROLE)
    async with AsyncExitStack() as stack:
        s3 = await _with_bucket(stack, settings, "fraudd-staging")
        conn = RecordingConnection(s3, "fraudd-staging")
        text = _texts("1,a\n2,b\n", "", "3,c\n")
        rows = await S3Stager.from_settings(s3, settings).stage(conn, text)  # type: ignore[arg-type]
        left = await s3.list_objects_v2(Bucket="fraudd-staging")
    assert rows == 3 and len(conn.statements) == 1
    (prefix,) = {key.rsplit("/", 1)[0] + "/" for key in conn.staged}
    assert prefix.startswith("loads/fraudd-load-")
    assert sorted(conn.staged.values()) == ["1,a\n2,b\n", "3,c\n"]  # the empty chunk is skipped
    assert conn.statements[0] == copy_statement(f"s3://fraudd-staging/{prefix}", ROLE, "eu-west-1")
    assert left.get("KeyCount", 0) == 0


async def test_a_redshift_load_without_a_staging_prefix_refuses_before_it_creates_anything() -> (
    None
):
    """The CLI turns StagingConfigError into one line and exit 78; the load raises it on entry,
    before any statement (this stand-in session has no connection to send one on)."""

    class Unconnected:
        settings = Settings(warehouse=WarehouseSettings(dialect="redshift"))
        conn = None

    load = RedshiftBulkLoad(
        Unconnected(),  # type: ignore[arg-type]
        source="history",
        check_duplicates=True,
        sample_size=1,
    )
    with pytest.raises(StagingConfigError, match="s3_staging_uri"):
        await load.__aenter__()


async def test_a_missing_bucket_names_the_setting_and_the_stack_output(
    local_stack: tuple[Settings, StackInfo],
) -> None:
    settings = staging_on_moto(local_stack, "s3://no-such-bucket-12/staging/")

    async with AsyncExitStack() as stack:
        s3 = await aws.open_client(stack, settings, "s3")
        conn: Any = RecordingConnection(s3, "no-such-bucket-12")
        with pytest.raises(StagingConfigError) as failed:
            await S3Stager.from_settings(s3, settings).stage(conn, _texts("1,a\n"))
    message = str(failed.value)
    assert "\n" not in message
    assert "warehouse.s3_staging_uri" in message and "no-such-bucket-12" in message
    assert "StagingUri" in message
    assert conn.statements == []  # no COPY of files that were never staged


class FailingCopy(RecordingConnection):
    """Redshift refusing the COPY (a bad row, a role it cannot assume)."""

    async def execute(self, sql: str, *args: Any) -> int:
        await super().execute(sql, *args)
        raise WarehouseError("ProgrammingError: Load into table failed", transient=False)


async def test_staged_files_are_deleted_when_the_copy_fails_and_nothing_staged_copies_nothing(
    local_stack: tuple[Settings, StackInfo],
) -> None:
    settings = staging_on_moto(local_stack, "s3://fraudd-staging-2/loads/", copy_role=ROLE)

    async with AsyncExitStack() as stack:
        s3 = await _with_bucket(stack, settings, "fraudd-staging-2")
        stager = S3Stager.from_settings(s3, settings)
        failing = FailingCopy(s3, "fraudd-staging-2")
        with pytest.raises(WarehouseError, match="Load into table failed"):
            await stager.stage(failing, _texts("1,a\n", "2,b\n"))  # type: ignore[arg-type]
        after_failure = await s3.list_objects_v2(Bucket="fraudd-staging-2")
        empty = RecordingConnection(s3, "fraudd-staging-2")
        rows = await stager.stage(empty, _texts("", ""))  # type: ignore[arg-type]
    assert len(failing.statements) == 1 and len(failing.staged) == 2  # both parts were there
    assert after_failure.get("KeyCount", 0) == 0
    assert rows == 0 and empty.statements == []  # COPY fails on a prefix without files
