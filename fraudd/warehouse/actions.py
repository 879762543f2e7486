"""The actions area: the actions role claims block decisions and alerts from the outbox and
marks them, and writes the card-blocks table the card application reads.

**PostgreSQL**: row locks, arrays, upsert. **Redshift**: staged blocks merged with ``MERGE``,
``IN`` lists of alert ids.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from fraudd.warehouse.session import SessionBase, in_list, stage, statement

AREA = "actions"


@dataclass(frozen=True, slots=True)
class PendingBlock:
    """A block decision of the outbox whose card block is not written yet."""

    alert_id: str
    card_token: str


@dataclass(frozen=True, slots=True)
class PendingAlert:
    """An alert of the outbox not yet published to SNS, with its payload."""

    alert_id: str
    card_token: str
    decision: str
    score: float
    payload: dict[str, Any]


class ActionOps(Protocol):
    async def claim_blocks(self, limit: int) -> list[PendingBlock]:
        """Block decisions not yet applied, oldest first (call inside a transaction)."""

    async def apply_blocks(self, blocks: Sequence[PendingBlock], duration: timedelta) -> None:
        """Block each card for ``duration`` (a card blocked again keeps the later expiry) and
        mark the decisions applied."""

    async def claim_alerts(self, limit: int) -> list[PendingAlert]:
        """Unpublished alerts, oldest first (call inside a transaction)."""

    async def mark_published(self, alert_ids: Sequence[str]) -> None:
        """Alerts SNS accepted."""

    async def mark_failed(self, alert_ids: Sequence[str], error: str) -> None:
        """Alerts SNS refused: counted, kept pending."""

    async def alerts_pending(self) -> int:
        """Alerts not yet published."""

    async def active_blocks(self) -> frozenset[str]:
        """Card tokens blocked now (the card application declines their swipes)."""


def _json(value: object) -> dict[str, object]:
    """SUPER/jsonb arrive parsed from both drivers; text is parsed here."""
    parsed = json.loads(value) if isinstance(value, str | bytes) else value
    if not isinstance(parsed, dict):
        raise ValueError("alert payload is not a JSON object")
    return parsed


class SharedActions(SessionBase):
    claim_blocks = statement(
        AREA, "claim_blocks", "all", lambda rows: [PendingBlock(r[0], r[1]) for r in rows]
    )
    claim_alerts = statement(
        AREA,
        "claim_alerts",
        "all",
        lambda rows: [PendingAlert(r[0], r[1], r[2], float(r[3]), _json(r[4])) for r in rows],
    )
    alerts_pending = statement(AREA, "alerts_pending", "value", lambda n: int(n or 0))
    active_blocks = statement(
        AREA, "active_blocks", "all", lambda rows: frozenset(r[0] for r in rows)
    )


class PostgresActions(SharedActions):
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


class RedshiftActions(SharedActions):
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
        if ids:
            await self.conn.execute(in_list(self.sql(AREA, name), len(ids)), *first, *ids)
