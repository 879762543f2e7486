"""The actions role's operations: claim block decisions and alerts from the outbox, mark them,
and the card-blocks table the card application reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol


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
