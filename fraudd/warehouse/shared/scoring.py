"""What scoring reads, where the dialects agree (the feature SQL differs by file, not code)."""

from __future__ import annotations

from collections.abc import Sequence

from fraudd.records import Swipe
from fraudd.warehouse.base import Row
from fraudd.warehouse.session import SessionBase
from fraudd.warehouse.shared.features import feature_queries, scoring_sql, serving_call

AREA = "scoring"


class SharedScoring(SessionBase):
    async def active_model_version(self) -> int | None:
        version = await self.conn.fetchval(self.sql(AREA, "active_model_version"))
        return None if version is None else int(version)

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


def _batch(serving: str, swipes: Sequence[Swipe]) -> tuple[str, list[object]]:
    """The serving call of a batch: its tx_ids and the range of its tx_times."""
    times = [s.tx_time for s in swipes]
    return serving_call(serving, [s.tx_id for s in swipes], min(times), max(times))
