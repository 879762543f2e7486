"""The model registry on both dialects: the code is one, the lock and the JSON insert differ by
statement file (``sql/<dialect>/statements/models.sql``)."""

from __future__ import annotations

import datetime as dt
import json

import structlog

from fraudd.warehouse.api.models import ModelRecord, NewModel
from fraudd.warehouse.base import Row
from fraudd.warehouse.session import SessionBase

log = structlog.get_logger(__name__)
AREA = "models"


class SharedModels(SessionBase):
    """:class:`~fraudd.warehouse.api.models.ModelOps` over this session's connection."""

    async def register_model(self, model: NewModel, *, activate: bool) -> ModelRecord:
        now = dt.datetime.now(dt.UTC)
        async with self.conn.transaction():
            await self.conn.execute(self.sql(AREA, "lock"))
            version = int(await self.conn.fetchval(self.sql(AREA, "next_version")))
            await self.conn.execute(
                self.sql(AREA, "insert"),
                version, model.backend, now, model.artifact, json.dumps(model.metadata),
            )  # fmt: skip
            if activate:
                await self._switch(version, now)
        log.info("model.registered", version=version, backend=model.backend, active=activate)
        record = await self.get_model(version)
        assert record is not None  # just inserted
        return record

    async def activate_model(self, version: int) -> None:
        async with self.conn.transaction():
            await self.conn.execute(self.sql(AREA, "lock"))
            if not await self.conn.fetchval(self.sql(AREA, "exists"), version):
                raise KeyError(f"no model version {version}")
            await self._switch(version, dt.datetime.now(dt.UTC))
        log.info("model.activated", version=version)

    async def _switch(self, version: int, now: dt.datetime) -> None:
        await self.conn.execute(self.sql(AREA, "switch"), version, version, now, version)

    async def active_model(self) -> ModelRecord | None:
        row = await self.conn.fetchrow(self.sql(AREA, "active"))
        return None if row is None else _record(row, with_artifact=True)

    async def get_model(self, version: int) -> ModelRecord | None:
        row = await self.conn.fetchrow(self.sql(AREA, "one"), version)
        return None if row is None else _record(row, with_artifact=True)

    async def list_models(self) -> list[ModelRecord]:
        rows = await self.conn.fetch(self.sql(AREA, "all"))
        return [_record(r, with_artifact=False) for r in rows]


def _record(row: Row, *, with_artifact: bool) -> ModelRecord:
    metadata = row[5]
    if isinstance(metadata, str | bytes):  # Redshift SUPER / text columns come back as text
        metadata = json.loads(metadata)
    artifact = bytes(row[6]) if with_artifact and row[6] is not None else None
    return ModelRecord(
        version=int(row[0]),
        backend=str(row[1]),
        created_at=row[2],
        active=bool(row[3]),
        activated_at=row[4],
        metadata=dict(metadata or {}),
        artifact=artifact,
    )
