"""What scoring reads: velocities for the rules, the active model's version, serving features."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from fraudd.records import Swipe
from fraudd.warehouse.base import Row


class ScoringOps(Protocol):
    async def velocities(self, swipes: Sequence[Swipe], window_s: float) -> dict[str, int]:
        """Swipes of each transaction's card within the window before it (itself included)."""

    async def active_model_version(self) -> int | None:
        """The version of the active model, or None."""

    async def serving_rows(self, swipes: Sequence[Swipe]) -> list[Row]:
        """``(tx_id, *features)`` of stored transactions (the serving feature SQL). The swipes'
        tx_times bound every scan (on Redshift, zone maps prune only on such constants)."""

    async def model_scores(
        self, swipes: Sequence[Swipe], function: str, features: Sequence[str]
    ) -> list[Row]:
        """``(tx_id, *features, score)`` with the Redshift ML prediction ``function``;
        ``features`` are the serving query's feature columns, in model order."""
