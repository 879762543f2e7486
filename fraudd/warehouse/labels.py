"""The labels area: fraud labels arriving late (chargebacks, investigations), invariant 6.

**PostgreSQL**: one array insert; the key keeps the first label of a transaction.
**Redshift**: staged, then inserted where the transaction has no label yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from fraudd.columns import LABEL, columns_of, names
from fraudd.warehouse.session import SessionBase, numbered, stage

AREA = "labels"


@dataclass(frozen=True, slots=True)
class Label:
    tx_id: str
    is_fraud: bool
    labelled_at: datetime
    fraud_scenario: int | None = None


class LabelOps(Protocol):
    async def insert_labels(self, labels: Sequence[Label], source: str) -> int:
        """Store labels whose tx_id has none yet; return how many were stored."""


class PostgresLabels(SessionBase):
    async def insert_labels(self, labels: Sequence[Label], source: str) -> int:
        if not labels:
            return 0
        columns = columns_of(labels, names(LABEL))
        return await self.conn.execute(self.sql(AREA, "insert_labels"), source, *columns)


class RedshiftLabels(SessionBase):
    async def insert_labels(self, labels: Sequence[Label], source: str) -> int:
        if not labels:
            return 0
        fields = names(LABEL)
        rows = numbered(labels, fields)
        await stage(self, AREA, "stage_labels", "fraudd_stage_labels", ("ord", *fields), rows)
        return await self.conn.execute(self.sql(AREA, "insert_labels"), source)
