"""Labels on Redshift: staged, then inserted where the transaction has no label yet."""

from __future__ import annotations

from collections.abc import Sequence

from fraudd.columns import LABEL, names
from fraudd.warehouse.api.labels import Label
from fraudd.warehouse.redshift.staging import numbered, stage
from fraudd.warehouse.session import SessionBase


class RedshiftLabels(SessionBase):
    async def insert_labels(self, labels: Sequence[Label], source: str) -> int:
        if not labels:
            return 0
        fields = names(LABEL)
        rows = numbered(labels, fields)
        await stage(self, "labels", "stage_labels", "fraudd_stage_labels", ("ord", *fields), rows)
        return await self.conn.execute(self.sql("labels", "insert_labels"), source)
