"""History bulk loads on Redshift: rows reach the staging table through S3 and COPY."""

from __future__ import annotations

from collections.abc import AsyncIterable
from typing import ClassVar

from fraudd.warehouse.redshift.s3stage import stage_through_s3, staging_uri
from fraudd.warehouse.shared.history import BulkLoad, SharedHistory


class RedshiftBulkLoad(BulkLoad):
    async def __aenter__(self) -> BulkLoad:
        staging_uri(self.session.settings)  # refuse before creating anything
        return await super().__aenter__()

    async def copy_into_staging(self, chunks: AsyncIterable[str]) -> int:
        return await stage_through_s3(self.session.settings, self.conn, chunks)


class RedshiftHistory(SharedHistory):
    bulk_load: ClassVar[type[BulkLoad]] = RedshiftBulkLoad
