-- name: lock
-- Redshift's LOCK takes no mode: it is ACCESS EXCLUSIVE until the transaction ends, which is
-- what the registry needs (PRIMARY KEY (version) is not enforced). "LOCK [ TABLE ] table_name"
-- (https://docs.aws.amazon.com/redshift/latest/dg/r_LOCK.html). Registrations are rare.
LOCK {schema}.models

-- name: insert
-- Parameters: version, backend, created_at, artifact, metadata (JSON text). SUPER takes JSON
-- through JSON_PARSE (https://docs.aws.amazon.com/redshift/latest/dg/JSON_PARSE.html).
INSERT INTO {schema}.models (version, backend, created_at, active, artifact, metadata)
VALUES (%s, %s, %s, false, %s, JSON_PARSE(%s))
