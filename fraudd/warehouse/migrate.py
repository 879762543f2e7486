"""Schema migrations: apply the pending ``sql/`` files once each, in order, each in a transaction.

Applied versions are recorded in ``{schema}.schema_migrations`` with the SHA-256 of the file's
unrendered text. Concurrent runs (several processes starting at once) serialise on a lock held
by each migration's transaction (statement ``lock`` of ``sql/<dialect>/statements/migrate.sql``:
an advisory lock on PostgreSQL, ``LOCK`` of the migrations table on Redshift) and re-read what
is applied after taking it, so each migration is applied exactly once. An applied migration
whose file changed is refused: fix forward with a new version instead of editing history. The
one exception is a text listed in ``<dialect>/superseded.toml``: an earlier text of the same
migration that ``tests/warehouse/test_tables.py`` proves makes the same schema.

The issuer's declared fields (:mod:`fraudd.fields`) are columns of ``transactions`` that no
migration file names: :func:`migrate` adds the missing ones after the files, on every run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import structlog

from fraudd.fields import columns
from fraudd.settings import OwnField, Settings
from fraudd.warehouse.base import Connection, Migration, Pool, WarehouseError
from fraudd.warehouse.columns import CATALOG_TYPES
from fraudd.warehouse.sqlfiles import (
    checksum,
    load_migrations,
    load_statement,
    render,
    split_statements,
    sql_dir,
)

log = structlog.get_logger(__name__)

AREA = "migrate"


def _sql(wh: Pool, name: str) -> str:
    """Statement ``name`` of the migrate area in the pool's dialect."""
    return load_statement(wh.dialect, AREA, name, schema=wh.schema)


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


def script(settings: Settings, *, root: Path | None = None) -> str:
    """Every migration of the configured dialect as :func:`migrate` would run it, rendered with
    the configured names: what a database administrator reviews before the first deploy (the
    tables' DDL comes from the catalog, so the SQL files alone do not show it). Reads no
    database."""
    names = identifiers(settings)
    return "\n\n".join(
        f"-- migration {m.version}_{m.name}\n{render(m.sql, **names).strip()}"
        for m in load_migrations(settings.warehouse.dialect, root)
    )


async def _ensure_table(conn: Connection, wh: Pool) -> None:
    async with conn.transaction():
        await conn.execute(_sql(wh, "ensure_lock"))
        await conn.execute(_sql(wh, "create_schema"))
        await conn.execute(_sql(wh, "create_table"))


def _load(wh: Pool, root: Path | None) -> list[Migration]:
    migrations = load_migrations(wh.dialect, root)
    if not migrations:
        raise WarehouseError(
            f"no migrations for dialect {wh.dialect} under {sql_dir(root)}", transient=False
        )
    return migrations


async def _applied(conn: Connection, wh: Pool) -> dict[str, str]:
    rows = await conn.fetch(_sql(wh, "applied"))
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
        accepted = (checksum(migration.sql), *migration.superseded)
        if recorded is not None and recorded not in accepted:
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
        await conn.execute(_sql(wh, "lock"))
        applied = await _applied(conn, wh)
        _check_checksums([migration], applied)
        if migration.version in applied:
            return False
        for statement in split_statements(render(migration.sql, **identifiers)):
            await conn.execute(statement)
        await conn.execute(
            _sql(wh, "record"),
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
        exists = await conn.fetchval(_sql(wh, "table_exists"), wh.schema)
        applied = await _applied(conn, wh) if exists else {}
    _check_history(migrations, applied)
    return [m.version for m in migrations if m.version not in applied]


async def migrate(wh: Pool, settings: Settings, *, root: Path | None = None) -> list[str]:
    """Apply pending migrations in version order; return the versions this call applied."""
    migrations = _load(wh, root)
    names = identifiers(settings)
    done: list[str] = []
    async with wh.acquire() as conn:
        await _ensure_table(conn, wh)
        applied = await _applied(conn, wh)
        _check_history(migrations, applied)
        for migration in migrations:
            if migration.version not in applied and await _apply_one(conn, wh, migration, names):
                done.append(migration.version)
        added = await add_own_columns(conn, wh, settings.fields.declared)
    log.info("migrate.finished", applied=done, schema=wh.schema, fields_added=added)
    return done


async def add_own_columns(conn: Connection, wh: Pool, declared: Sequence[OwnField]) -> list[str]:
    """Add each declared field missing from ``transactions`` as a typed column, under the
    migrations' lock; return the names added. Idempotent. A declared field whose column exists
    with another type is refused (:class:`WarehouseError`): a type never changes in place."""
    added: list[str] = []
    async with conn.transaction():
        await conn.execute(_sql(wh, "lock"))
        rows = await conn.fetch(_sql(wh, "transaction_columns"), wh.schema)
        existing = {str(r[0]): str(r[1]) for r in rows}
        for col in columns(declared):
            column_type = getattr(col, wh.dialect)
            if col.name in existing:
                _same_type(col.name, column_type, existing[col.name])
                continue
            sql = load_statement(
                wh.dialect, AREA, "add_column", schema=wh.schema, column=col.name,
                column_type=column_type,
            )  # fmt: skip
            await conn.execute(sql)
            added.append(col.name)
    return added


def _same_type(name: str, declared: str, stored: str) -> None:
    if stored not in CATALOG_TYPES[declared]:
        raise WarehouseError(
            f"field {name}: declared as {declared} but transactions.{name} is {stored}; a "
            "field's type cannot change: declare a new field under another name",
            transient=False,
        )


async def drop_schema(wh: Pool) -> None:
    """Drop the schema and everything in it (a demo's fresh start; never the daemon)."""
    async with wh.acquire() as conn:
        await conn.execute(_sql(wh, "drop_schema"))
    log.info("migrate.schema_dropped", schema=wh.schema)
