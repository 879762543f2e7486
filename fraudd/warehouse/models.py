"""The models area: the model registry, versioned artifacts and metadata in ``{schema}.models``.

Versions are ``max + 1`` under a table lock (Redshift does not enforce primary keys, so the lock,
not the key, keeps two trainers from taking one version). At most one model is active:
:meth:`ModelOps.activate_model` switches the flag in one transaction, and the consumer uses the
newest active model. Metadata is JSON (:class:`fraudd.model.record.ModelRecord`). The code is
one for both dialects; the lock and the JSON insert differ by statement file.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Protocol

import structlog

from fraudd.model.record import ModelRecord, NewModel
from fraudd.warehouse.base import Row
from fraudd.warehouse.session import SessionBase, statement

log = structlog.get_logger(__name__)
AREA = "models"


class ModelOps(Protocol):
    async def register_model(self, model: NewModel, *, activate: bool) -> ModelRecord:
        """Store a new version (the next after the highest), optionally activating it."""

    async def activate_model(self, version: int) -> None:
        """Make ``version`` the only active model; KeyError if it does not exist."""

    async def active_model(self) -> ModelRecord | None:
        """The newest active model with its artifact, or None."""

    async def get_model(self, version: int) -> ModelRecord | None:
        """One version with its artifact, or None."""

    async def list_models(self) -> list[ModelRecord]:
        """Every version, oldest first, without artifacts."""


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


def _with_artifact(row: Row | None) -> ModelRecord | None:
    return None if row is None else _record(row, with_artifact=True)


class Models(SessionBase):
    """:class:`ModelOps` over this session's connection."""

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

    active_model = statement(AREA, "active", "row", _with_artifact)
    get_model = statement(AREA, "one", "row", _with_artifact)
    list_models = statement(
        AREA, "all", "all", lambda rows: [_record(r, with_artifact=False) for r in rows]
    )
