"""The actions role's operations on Redshift: staged blocks merged with MERGE, IN lists."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from fraudd.warehouse.api.actions import PendingBlock
from fraudd.warehouse.redshift.staging import stage
from fraudd.warehouse.session import SessionBase
from fraudd.warehouse.shared.actions import SharedActions

AREA = "actions"


def placeholders(count: int) -> str:
    """``%s, %s, ...`` for an IN list of ``count`` values (Redshift binds no arrays)."""
    if count < 1:
        raise ValueError("an IN list needs at least one value")
    return ", ".join(["%s"] * count)


class RedshiftActions(SharedActions, SessionBase):
    async def apply_blocks(self, blocks: Sequence[PendingBlock], duration: timedelta) -> None:
        latest = {b.card_token: b.alert_id for b in blocks}  # MERGE wants one row per card
        # Computed here rather than on the server: Redshift cannot bind an interval parameter.
        expires = datetime.now(UTC) + duration
        rows = [(card, tx_id, expires) for card, tx_id in latest.items()]
        columns = ("card_token", "tx_id", "expires_at")
        await stage(self, AREA, "stage_blocks", "fraudd_stage_blocks", columns, rows)
        await self.conn.execute(self.sql(AREA, "upsert_blocks"))
        await self._mark("mark_blocked", [b.alert_id for b in blocks])

    async def mark_published(self, alert_ids: Sequence[str]) -> None:
        await self._mark("mark_published", alert_ids)

    async def mark_failed(self, alert_ids: Sequence[str], error: str) -> None:
        await self._mark("mark_failed", alert_ids, error)

    async def _mark(self, name: str, ids: Sequence[str], *first: object) -> None:
        if not ids:
            return
        sql = self.sql(AREA, name).replace("/*ids*/", placeholders(len(ids)))
        await self.conn.execute(sql, *first, *ids)
