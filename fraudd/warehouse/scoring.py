"""The scoring area: what scoring reads — velocities for the rules, the active model's version,
serving features and, with Redshift ML, features and scores in one statement.

The feature SQL differs by file, not code (:mod:`fraudd.warehouse.features`); velocities differ:
an array of tx_ids (an index range per card) on PostgreSQL, an ``IN`` list bounded by constant
tx_time ranges (zone maps) on Redshift.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Protocol

from fraudd.records import Swipe
from fraudd.warehouse.base import Row
from fraudd.warehouse.features import feature_queries, scoring_sql, serving_call
from fraudd.warehouse.session import SessionBase, in_list, statement

AREA = "scoring"


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


def _batch(serving: str, swipes: Sequence[Swipe]) -> tuple[str, list[object]]:
    """The serving call of a batch: its tx_ids and the range of its tx_times."""
    times = [s.tx_time for s in swipes]
    return serving_call(serving, [s.tx_id for s in swipes], min(times), max(times))


class SharedScoring(SessionBase):
    active_model_version = statement(
        AREA, "active_model_version", "value", lambda v: None if v is None else int(v)
    )

    async def serving_rows(self, swipes: Sequence[Swipe]) -> list[Row]:
        if not swipes:
            return []
        queries = feature_queries(self.dialect, self.settings.warehouse.schema_name)
        sql, params = _batch(queries.serving, swipes)
        return await self.conn.fetch(sql, *params)

    async def model_scores(
        self, swipes: Sequence[Swipe], function: str, features: Sequence[str]
    ) -> list[Row]:
        if not swipes:
            return []
        schema = self.settings.warehouse.schema_name
        serving = feature_queries(self.dialect, schema).serving
        sql, params = _batch(scoring_sql(serving, schema, function, features), swipes)
        return await self.conn.fetch(sql, *params)


class PostgresScoring(SharedScoring):
    async def velocities(self, swipes: Sequence[Swipe], window_s: float) -> dict[str, int]:
        if not swipes:
            return {}
        rows = await self.conn.fetch(
            self.sql(AREA, "velocities"), window_s, [s.tx_id for s in swipes]
        )
        return {r[0]: int(r[1]) for r in rows}


class RedshiftScoring(SharedScoring):
    async def velocities(self, swipes: Sequence[Swipe], window_s: float) -> dict[str, int]:
        if not swipes:
            return {}
        low = min(s.tx_time for s in swipes)
        high = max(s.tx_time for s in swipes)
        sql = in_list(self.sql(AREA, "velocities"), len(swipes))
        since = low - timedelta(seconds=window_s)
        rows = await self.conn.fetch(sql, window_s, since, low, high, *[s.tx_id for s in swipes])
        return {r[0]: int(r[1]) for r in rows}
