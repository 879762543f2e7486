-- The consumer's statements where PostgreSQL and Redshift agree (see fraudd/warehouse/api/stream.py).
-- {schema} and {view} are validated identifiers from settings.warehouse.

-- name: refresh_view
REFRESH MATERIALIZED VIEW {schema}.{view}

-- name: view_owner
-- Only a materialized view's owner may REFRESH it (Redshift: REFRESH MATERIALIZED VIEW).
-- pg_class and pg_user exist in both catalogs.
SELECT u.usename = current_user AS mine
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_user u ON u.usesysid = c.relowner
WHERE n.nspname = %s AND c.relname = %s
