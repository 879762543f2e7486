-- name: lock
-- Serialises registrations and activations (max + 1, one active model); readers go on.
LOCK TABLE {schema}.models IN SHARE ROW EXCLUSIVE MODE

-- name: insert
-- Parameters: version, backend, created_at, artifact, metadata (JSON text).
INSERT INTO {schema}.models (version, backend, created_at, active, artifact, metadata)
VALUES (%s, %s, %s, false, %s, CAST(%s AS jsonb))
