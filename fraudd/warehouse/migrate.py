"""Schema migrations: apply the pending ``sql/`` files once each, in order, each in a transaction.

Applied versions are recorded in ``{schema}.schema_migrations`` with the SHA-256 of the file's
unrendered text. Concurrent runs (several processes starting at once) serialise on a lock held
by each migration's transaction — ``pg_advisory_xact_lock`` on PostgreSQL, ``LOCK`` of the
migrations table on Redshift — and re-read what is applied after taking it, so each migration is
applied exactly once. An applied migration whose file changed is refused: fix forward with a new
version instead of editing history.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import structlog

from fraudd.settings import Settings
from fraudd.warehouse.base import Connection, Migration, Pool, WarehouseError
from fraudd.warehouse.sqlfiles import (
    checksum,
    load_migrations,
    render,
    split_statements,
    sql_dir,
)

log = structlog.get_logger(__name__)

_CREATE_SCHEMA = "CREATE SCHEMA IF NOT EXISTS {schema}"
_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS {schema}.schema_migrations (
    version    text        PRIMARY KEY,
    name       text        NOT NULL,
    checksum   text        NOT NULL,
    applied_at timestamptz NOT NULL
)"""
_APPLIED = "SELECT version, checksum FROM {schema}.schema_migrations"
_RECORD = (
    "INSERT INTO {schema}.schema_migrations (version, name, checksum, applied_at) "
    "VALUES (%s, %s, %s, %s)"
)


def identifiers(settings: Settings) -> dict[str, str]:
    """Every configured name a migration may splice in (see :func:`sqlfiles.render`)."""
    wh, rs = settings.warehouse, settings.redshift
    return {
        "schema": wh.schema_name,
        "stream_view": wh.streaming_view,
        "stream_name": settings.kinesis.stream_name,
        "external_schema": rs.external_schema,
        "iam_role": rs.iam_role,
        "auto_refresh": "yes" if rs.auto_refresh else "no",
    }


def _lock_key(schema: str) -> int:
    """A stable signed 64-bit advisory-lock key per schema."""
    digest = hashlib.sha256(f"fraudd.migrate:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


async def _lock(conn: Connection, wh: Pool) -> None:
    """Serialise migrators until the current transaction ends."""
    if wh.dialect == "postgres":
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", _lock_key(wh.schema))
    else:
        await conn.execute(render("LOCK {schema}.schema_migrations", schema=wh.schema))


async def _ensure_table(conn: Connection, wh: Pool) -> None:
    async with conn.transaction():
        if wh.dialect == "postgres":  # CREATE ... IF NOT EXISTS races without the lock
            await _lock(conn, wh)
        await conn.execute(render(_CREATE_SCHEMA, schema=wh.schema))
        await conn.execute(render(_CREATE_TABLE, schema=wh.schema))


_TABLE_EXISTS = (
    "SELECT count(*) FROM information_schema.tables "
    "WHERE table_schema = %s AND table_name = 'schema_migrations'"
)


def _load(wh: Pool, root: Path | None) -> list[Migration]:
    migrations = load_migrations(wh.dialect, root)
    if not migrations:
        raise WarehouseError(
            f"no migrations for dialect {wh.dialect} under {sql_dir(root)}", transient=False
        )
    return migrations


async def _applied(conn: Connection, schema: str) -> dict[str, str]:
    rows = await conn.fetch(render(_APPLIED, schema=schema))
    return {row.version: row.checksum for row in rows}


def _check_history(migrations: list[Migration], applied: dict[str, str]) -> None:
    """Refuse edited migrations; warn about applied versions this code does not know."""
    _check_checksums(migrations, applied)
    unknown = sorted(set(applied) - {m.version for m in migrations})
    if unknown:
        log.warning("migrate.unknown_versions", versions=unknown)


def _check_checksums(migrations: list[Migration], applied: dict[str, str]) -> None:
    for migration in migrations:
        recorded = applied.get(migration.version)
        if recorded is not None and recorded != checksum(migration.sql):
            raise WarehouseError(
                f"migration {migration.version}_{migration.name} was changed after it was "
                "applied (checksum differs); add a new migration instead of editing it",
                transient=False,
            )


async def _apply_one(
    conn: Connection, wh: Pool, migration: Migration, identifiers: dict[str, str]
) -> bool:
    """Apply one migration under the lock; False when another process applied it first."""
    async with conn.transaction():
        await _lock(conn, wh)
        applied = await _applied(conn, wh.schema)
        _check_checksums([migration], applied)
        if migration.version in applied:
            return False
        for statement in split_statements(render(migration.sql, **identifiers)):
            await conn.execute(statement)
        await conn.execute(
            render(_RECORD, schema=wh.schema),
            migration.version,
            migration.name,
            checksum(migration.sql),
            datetime.now(UTC),
        )
    log.info("migrate.applied", version=migration.version, name=migration.name)
    return True


async def pending(wh: Pool, settings: Settings, *, root: Path | None = None) -> list[str]:
    """Versions not yet applied (refuses, like :func:`migrate`, if history was edited).

    Read-only: a database never migrated simply has everything pending.
    """
    migrations = _load(wh, root)
    async with wh.acquire() as conn:
        exists = await conn.fetchval(_TABLE_EXISTS, wh.schema)
        applied = await _applied(conn, wh.schema) if exists else {}
    _check_history(migrations, applied)
    return [m.version for m in migrations if m.version not in applied]


async def migrate(wh: Pool, settings: Settings, *, root: Path | None = None) -> list[str]:
    """Apply pending migrations in version order; return the versions this call applied."""
    migrations = _load(wh, root)
    names = identifiers(settings)
    done: list[str] = []
    async with wh.acquire() as conn:
        await _ensure_table(conn, wh)
        applied = await _applied(conn, wh.schema)
        _check_history(migrations, applied)
        for migration in migrations:
            if migration.version not in applied and await _apply_one(conn, wh, migration, names):
                done.append(migration.version)
    log.info("migrate.finished", applied=done, schema=wh.schema)
    return done
