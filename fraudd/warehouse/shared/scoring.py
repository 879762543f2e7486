"""What scoring reads, where the dialects agree (the feature SQL differs by file, not code)."""

from __future__ import annotations

from collections.abc import Sequence

from fraudd.warehouse.base import Row
from fraudd.warehouse.session import SessionBase
from fraudd.warehouse.shared.features import feature_queries, scoring_sql, serving_call

AREA = "scoring"


class SharedScoring(SessionBase):
    async def active_model_version(self) -> int | None:
        version = await self.conn.fetchval(self.sql(AREA, "active_model_version"))
        return None if version is None else int(version)

    async def serving_rows(self, tx_ids: Sequence[str]) -> list[Row]:
        if not tx_ids:
            return []
        queries = feature_queries(self.dialect, self.settings.warehouse.schema_name)
        sql, params = serving_call(queries.serving, tx_ids)
        return await self.conn.fetch(sql, *params)

    async def model_scores(
        self, tx_ids: Sequence[str], function: str, features: Sequence[str]
    ) -> list[Row]:
        if not tx_ids:
            return []
        schema = self.settings.warehouse.schema_name
        serving = feature_queries(self.dialect, schema).serving
        sql, params = serving_call(scoring_sql(serving, schema, function, features), tx_ids)
        return await self.conn.fetch(sql, *params)
