"""Labels on PostgreSQL: one array insert, the key keeps the first label of a transaction."""

from __future__ import annotations

from collections.abc import Sequence

from fraudd.warehouse.api.labels import Label
from fraudd.warehouse.session import SessionBase


class PostgresLabels(SessionBase):
    async def insert_labels(self, labels: Sequence[Label], source: str) -> int:
        if not labels:
            return 0
        return await self.conn.execute(
            self.sql("labels", "insert_labels"),
            source,
            [x.tx_id for x in labels],
            [x.is_fraud for x in labels],
            [x.labelled_at for x in labels],
            [x.fraud_scenario for x in labels],
        )
