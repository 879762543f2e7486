-- name: create_staging
-- A history row (fraudd.columns.HISTORY_ROW): the file's line, then the columns of transactions
-- and labels in their PostgreSQL types. Filled by COPY ... FROM STDIN.
CREATE TEMP TABLE fraudd_history_staging ({history_ddl:columns}{own_ddl:columns})

-- name: create_rejects
CREATE TEMP TABLE fraudd_history_rejects (line bigint NOT NULL, reason text NOT NULL)

-- name: lock_writers
-- No id can arrive between the check and the insert (readers go on): ON CONFLICT DO NOTHING
-- would cost twice the time (a speculative insertion per row).
LOCK TABLE {schema}.transactions, {schema}.labels IN SHARE ROW EXCLUSIVE MODE

-- name: work_mem
SET LOCAL maintenance_work_mem = '256MB'

-- name: row_estimate
-- Parameter: the qualified table name.
SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass

-- name: count_transactions
SELECT count(*) FROM {schema}.transactions

-- name: secondary_indexes
-- Parameter: the qualified table name. The server's own statements to drop each index (names
-- quoted by the server) and to rebuild it.
SELECT c.relname AS name,
       format('DROP INDEX %%I.%%I', n.nspname, c.relname) AS drop_statement,
       pg_get_indexdef(i.indexrelid) AS definition
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE i.indrelid = %s::regclass AND NOT i.indisunique AND NOT i.indisprimary
ORDER BY c.relname
