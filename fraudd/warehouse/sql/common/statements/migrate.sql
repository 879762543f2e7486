-- Schema migrations (fraudd.warehouse.migrate): the bookkeeping table and its lock. The lock
-- differs by dialect (postgres/statements/migrate.sql, redshift/statements/migrate.sql).

-- name: create_schema
CREATE SCHEMA IF NOT EXISTS {schema}

-- name: create_table
CREATE TABLE IF NOT EXISTS {schema}.schema_migrations (
    version    VARCHAR(16)  PRIMARY KEY,
    name       VARCHAR(128) NOT NULL,
    checksum   VARCHAR(64)  NOT NULL,
    applied_at TIMESTAMPTZ  NOT NULL
)

-- name: table_exists
SELECT count(*) FROM information_schema.tables
WHERE table_schema = %s AND table_name = 'schema_migrations'

-- name: applied
SELECT version, checksum FROM {schema}.schema_migrations

-- name: record
INSERT INTO {schema}.schema_migrations (version, name, checksum, applied_at)
VALUES (%s, %s, %s, %s)

-- name: drop_schema
-- Everything of the schema (the demo starts each run from a fresh one).
DROP SCHEMA IF EXISTS {schema} CASCADE

-- name: transaction_columns
-- The columns of transactions and their types: fraudd migrate adds the declared fields missing
-- here (fraudd.warehouse.migrate.add_own_columns).
SELECT column_name, data_type FROM information_schema.columns
WHERE table_schema = %s AND table_name = 'transactions'

-- name: add_column
-- A declared field (fraudd.fields); nullable, so rows stored before its declaration stay valid.
ALTER TABLE {schema}.transactions ADD COLUMN {column} {column_type:columns}
