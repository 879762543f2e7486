"""Fraud labels arriving late (chargebacks, investigations): invariant 6."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Label:
    tx_id: str
    is_fraud: bool
    labelled_at: datetime
    fraud_scenario: int | None = None


class LabelOps(Protocol):
    async def insert_labels(self, labels: Sequence[Label], source: str) -> int:
        """Store labels whose tx_id has none yet; return how many were stored."""
