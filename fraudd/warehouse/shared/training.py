"""Training rows on both dialects: the feature SQL differs by file, the call is one."""

from __future__ import annotations

import datetime as dt

from fraudd.warehouse.base import Row
from fraudd.warehouse.session import SessionBase
from fraudd.warehouse.shared.features import feature_queries, training_call


class SharedTraining(SessionBase):
    async def training_rows(self, start: dt.datetime, end: dt.datetime) -> list[Row]:
        queries = feature_queries(self.dialect, self.settings.warehouse.schema_name)
        sql, params = training_call(queries.training, start, end)
        return await self.conn.fetch(sql, *params)
