-- Seeding a fresh schema from a prepared one (fraudd/warehouse/api/seeding.py), local stack only.

-- name: secondary_indexes
-- Name and definition (CREATE INDEX ...) of a table's indexes other than its primary key.
SELECT i.indexname, i.indexdef FROM pg_indexes i
JOIN pg_index x ON x.indexrelid = (quote_ident(i.schemaname) || '.' ||
  quote_ident(i.indexname))::regclass
WHERE i.schemaname = %s AND i.tablename = %s AND NOT x.indisprimary

-- name: drop_index
DROP INDEX {schema}.{index}

-- name: copy_table
INSERT INTO {schema}.{table} SELECT * FROM {source}.{table}

-- name: vacuum_analyze
VACUUM (ANALYZE) {schema}.{table}

-- name: copy_memory
-- Index rebuilds after a bulk copy sort in memory up to this (the default 64 MB spills to disk);
-- LOCAL: for the copy's transaction only, not for the pooled connection's later users.
SET LOCAL maintenance_work_mem = '256MB'
