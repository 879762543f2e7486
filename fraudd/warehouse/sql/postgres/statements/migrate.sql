-- name: lock
-- Serialises migrators until the transaction ends: an advisory lock per schema (the schema is
-- a validated identifier, so it can sit inside the literal).
SELECT pg_advisory_xact_lock(hashtextextended('fraudd.migrate:{schema}', 0))

-- name: ensure_lock
-- CREATE ... IF NOT EXISTS races without a lock on PostgreSQL (two creators, one unique
-- violation on the catalog): take the same advisory lock first.
SELECT pg_advisory_xact_lock(hashtextextended('fraudd.migrate:{schema}', 0))
