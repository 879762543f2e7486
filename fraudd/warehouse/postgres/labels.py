"""Labels on PostgreSQL: one array insert, the key keeps the first label of a transaction."""

from __future__ import annotations

from collections.abc import Sequence

from fraudd.columns import LABEL, columns_of, names
from fraudd.warehouse.api.labels import Label
from fraudd.warehouse.session import SessionBase


class PostgresLabels(SessionBase):
    async def insert_labels(self, labels: Sequence[Label], source: str) -> int:
        if not labels:
            return 0
        return await self.conn.execute(
            self.sql("labels", "insert_labels"),
            source,
            *columns_of(labels, names(LABEL)),
        )
