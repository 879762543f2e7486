"""The actions role's operations on PostgreSQL (row locks, arrays, upsert)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from fraudd.warehouse.api.actions import PendingBlock
from fraudd.warehouse.session import SessionBase
from fraudd.warehouse.shared.actions import SharedActions

AREA = "actions"


class PostgresActions(SharedActions, SessionBase):
    async def apply_blocks(self, blocks: Sequence[PendingBlock], duration: timedelta) -> None:
        latest = {b.card_token: b.alert_id for b in blocks}  # one upsert per card
        await self.conn.execute(
            self.sql(AREA, "upsert_blocks"), duration, list(latest), list(latest.values())
        )
        await self.conn.execute(self.sql(AREA, "mark_blocked"), [b.alert_id for b in blocks])

    async def mark_published(self, alert_ids: Sequence[str]) -> None:
        await self.conn.execute(self.sql(AREA, "mark_published"), list(alert_ids))

    async def mark_failed(self, alert_ids: Sequence[str], error: str) -> None:
        await self.conn.execute(self.sql(AREA, "mark_failed"), error, list(alert_ids))
