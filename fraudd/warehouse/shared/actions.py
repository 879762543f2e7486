"""The actions role's operations where the dialects agree."""

from __future__ import annotations

import json

from fraudd.warehouse.api.actions import PendingAlert, PendingBlock
from fraudd.warehouse.session import SessionBase

AREA = "actions"


class SharedActions(SessionBase):
    async def claim_blocks(self, limit: int) -> list[PendingBlock]:
        rows = await self.conn.fetch(self.sql(AREA, "claim_blocks"), limit)
        return [PendingBlock(r[0], r[1]) for r in rows]

    async def claim_alerts(self, limit: int) -> list[PendingAlert]:
        rows = await self.conn.fetch(self.sql(AREA, "claim_alerts"), limit)
        return [PendingAlert(r[0], r[1], r[2], float(r[3]), _json(r[4])) for r in rows]

    async def alerts_pending(self) -> int:
        return int(await self.conn.fetchval(self.sql(AREA, "alerts_pending")) or 0)

    async def active_blocks(self) -> frozenset[str]:
        return frozenset(r[0] for r in await self.conn.fetch(self.sql(AREA, "active_blocks")))


def _json(value: object) -> dict[str, object]:
    """SUPER/jsonb arrive parsed from both drivers; text is parsed here."""
    parsed = json.loads(value) if isinstance(value, str | bytes) else value
    if not isinstance(parsed, dict):
        raise ValueError("alert payload is not a JSON object")
    return parsed
