-- name: lock
-- No advisory locks on Redshift: LOCK of the bookkeeping table (ACCESS EXCLUSIVE until the
-- transaction ends; https://docs.aws.amazon.com/redshift/latest/dg/r_LOCK.html).
LOCK {schema}.schema_migrations

-- name: ensure_lock
-- The bookkeeping table may not exist yet, so it cannot be locked: the first runs rely on
-- CREATE ... IF NOT EXISTS, and every migration itself runs under the lock above.
SELECT 1
