"""Labels on Redshift: staged, then inserted where the transaction has no label yet."""

from __future__ import annotations

from collections.abc import Sequence

from fraudd.warehouse.api.labels import Label
from fraudd.warehouse.redshift.staging import stage
from fraudd.warehouse.session import SessionBase


class RedshiftLabels(SessionBase):
    async def insert_labels(self, labels: Sequence[Label], source: str) -> int:
        if not labels:
            return 0
        columns = ("ord", "tx_id", "is_fraud", "labelled_at", "fraud_scenario")
        rows = [
            (i, x.tx_id, x.is_fraud, x.labelled_at, x.fraud_scenario) for i, x in enumerate(labels)
        ]
        await stage(self, "labels", "stage_labels", "fraudd_stage_labels", columns, rows)
        return await self.conn.execute(self.sql("labels", "insert_labels"), source)
