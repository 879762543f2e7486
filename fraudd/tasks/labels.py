"""Delayed fraud labels (chargebacks): written to the labels table once their delay has passed
in simulated time. Labels never travel in the stream (invariant 6)."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from fraudd.sources.base import Draft
from fraudd.warehouse import Label

if TYPE_CHECKING:
    from fraudd.deps import Deps


@dataclass
class LabelQueue:
    """Labels waiting for their (simulated) delay to pass, earliest first."""

    delay_days: float
    heap: list[tuple[datetime, str, bool, int]] = field(default_factory=list)

    def add(self, draft: Draft) -> None:
        """Remember the ground truth of a swipe whose label the bank will learn later."""
        if draft.is_fraud is None:
            return
        due = draft.tx_time + timedelta(days=self.delay_days)
        heapq.heappush(self.heap, (due, draft.tx_id, draft.is_fraud, draft.fraud_scenario or 0))

    async def flush(self, deps: Deps, sim_now: datetime) -> int:
        """Write every label due by ``sim_now``; return how many."""
        due: list[tuple[datetime, str, bool, int]] = []
        while self.heap and self.heap[0][0] <= sim_now:
            due.append(heapq.heappop(self.heap))
        if not due:
            return 0
        labels = [Label(tx_id, fraud, due_at, scenario) for due_at, tx_id, fraud, scenario in due]
        try:
            async with deps.warehouse.session() as session:
                await session.insert_labels(labels, "live")
        except BaseException:
            for item in due:  # keep them for the next try: a label is never lost
                heapq.heappush(self.heap, item)
            raise
        deps.metrics.labels_written.inc(len(due))
        return len(due)
