-- The model registry (fraudd.warehouse.shared.models). The lock and the insert differ by
-- dialect (postgres/statements/models.sql, redshift/statements/models.sql).

-- name: next_version
SELECT COALESCE(MAX(version), 0) + 1 FROM {schema}.models

-- name: exists
SELECT count(*) FROM {schema}.models WHERE version = %s

-- name: switch
-- Parameters: version, version, now, version. CASE rather than a boolean expression as the
-- assigned value: the one form both dialects document for UPDATE ... SET.
UPDATE {schema}.models
SET active = CASE WHEN version = %s THEN true ELSE false END,
    activated_at = CASE WHEN version = %s THEN %s ELSE activated_at END
WHERE active OR version = %s

-- name: active
SELECT version, backend, created_at, active, activated_at, metadata, artifact
FROM {schema}.models WHERE active ORDER BY version DESC LIMIT 1

-- name: one
SELECT version, backend, created_at, active, activated_at, metadata, artifact
FROM {schema}.models WHERE version = %s

-- name: all
SELECT version, backend, created_at, active, activated_at, metadata
FROM {schema}.models ORDER BY version
