"""The model registry: versioned artifacts and metadata in ``{schema}.models``.

Versions are ``max + 1`` under a table lock (Redshift does not enforce primary keys). At most one
model is active: :func:`activate` switches the flag in one transaction, and the consumer uses the
newest active model (:func:`load_active`). Metadata is JSON: feature list and order, training
window, hyper-parameters, validation metrics, thresholds, sizes, activation decision.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import structlog
import xgboost as xgb

from fraudd.scoring.decision import Thresholds
from fraudd.warehouse.base import Connection, Dialect, Row
from fraudd.warehouse.sqlfiles import render

log = structlog.get_logger(__name__)

_LOCK = {
    "postgres": "LOCK TABLE {schema}.models IN SHARE ROW EXCLUSIVE MODE",
    "redshift": "LOCK {schema}.models",
}
_INSERT = {
    "postgres": "INSERT INTO {schema}.models (version, backend, created_at, active, artifact, "
    "metadata) VALUES (%s, %s, %s, false, %s, CAST(%s AS jsonb))",
    "redshift": "INSERT INTO {schema}.models (version, backend, created_at, active, artifact, "
    "metadata) VALUES (%s, %s, %s, false, %s, JSON_PARSE(%s))",
}
_NEXT_VERSION = "SELECT COALESCE(MAX(version), 0) + 1 FROM {schema}.models"
_EXISTS = "SELECT count(*) FROM {schema}.models WHERE version = %s"
_SWITCH = (
    "UPDATE {schema}.models SET active = (version = %s), "
    "activated_at = CASE WHEN version = %s THEN %s ELSE activated_at END "
    "WHERE active OR version = %s"
)
_SELECT_ACTIVE = (
    "SELECT version, backend, created_at, active, activated_at, metadata, artifact "
    "FROM {schema}.models WHERE active ORDER BY version DESC LIMIT 1"
)
_SELECT_ONE = (
    "SELECT version, backend, created_at, active, activated_at, metadata, artifact "
    "FROM {schema}.models WHERE version = %s"
)
_SELECT_ALL = (
    "SELECT version, backend, created_at, active, activated_at, metadata "
    "FROM {schema}.models ORDER BY version"
)


@dataclass(frozen=True)
class ModelRecord:
    """One registered model. ``artifact`` is None when listed without it."""

    version: int
    backend: str
    created_at: dt.datetime
    active: bool
    activated_at: dt.datetime | None
    metadata: dict[str, Any] = field(default_factory=dict)
    artifact: bytes | None = None

    @property
    def features(self) -> tuple[str, ...]:
        """The model's input features, in order."""
        return tuple(self.metadata.get("features", ()))

    @property
    def thresholds(self) -> Thresholds:
        """Review/block thresholds chosen at training time."""
        return Thresholds.from_dict(self.metadata.get("thresholds", {}))

    def booster(self, n_jobs: int = 2) -> xgb.Booster:
        """The XGBoost model (``backend == 'local'``)."""
        if self.artifact is None:
            raise ValueError(f"model {self.version} was loaded without its artifact")
        booster = xgb.Booster(params={"nthread": n_jobs})
        booster.load_model(bytearray(self.artifact))
        return booster


@dataclass(frozen=True)
class Registry:
    """Registry SQL for one schema and dialect."""

    schema: str
    dialect: Dialect = "postgres"

    def _sql(self, text: str) -> str:
        return render(text, schema=self.schema)

    async def register(
        self,
        conn: Connection,
        *,
        backend: str,
        artifact: bytes | None,
        metadata: dict[str, Any],
        activate: bool,
    ) -> ModelRecord:
        """Store a new version (optionally activating it) and return it."""
        now = dt.datetime.now(dt.UTC)
        async with conn.transaction():
            await conn.execute(self._sql(_LOCK[self.dialect]))
            version = int(await conn.fetchval(self._sql(_NEXT_VERSION)))
            await conn.execute(
                self._sql(_INSERT[self.dialect]),
                version,
                backend,
                now,
                artifact,
                json.dumps(metadata),
            )
            if activate:
                await self._switch(conn, version, now)
        log.info("model.registered", version=version, backend=backend, active=activate)
        record = await self.get(conn, version)
        assert record is not None  # just inserted
        return record

    async def activate(self, conn: Connection, version: int) -> None:
        """Make ``version`` the only active model; KeyError if it does not exist."""
        async with conn.transaction():
            await conn.execute(self._sql(_LOCK[self.dialect]))
            exists = await conn.fetchval(self._sql(_EXISTS), version)
            if not exists:
                raise KeyError(f"no model version {version}")
            await self._switch(conn, version, dt.datetime.now(dt.UTC))
        log.info("model.activated", version=version)

    async def _switch(self, conn: Connection, version: int, now: dt.datetime) -> None:
        await conn.execute(self._sql(_SWITCH), version, version, now, version)

    async def load_active(self, conn: Connection) -> ModelRecord | None:
        """The newest active model with its artifact, or None."""
        row = await conn.fetchrow(self._sql(_SELECT_ACTIVE))
        return None if row is None else _record(row, with_artifact=True)

    async def get(self, conn: Connection, version: int) -> ModelRecord | None:
        """One version with its artifact, or None."""
        row = await conn.fetchrow(self._sql(_SELECT_ONE), version)
        return None if row is None else _record(row, with_artifact=True)

    async def list_models(self, conn: Connection) -> list[ModelRecord]:
        """Every version, oldest first, without artifacts."""
        rows = await conn.fetch(self._sql(_SELECT_ALL))
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
