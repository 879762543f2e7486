-- The refresh time of the row a watermark stands on: every later row of the shard was ingested
-- no earlier, so Redshift's poll can bound its scan by it (see fraudd/warehouse/redshift/stream.py).
-- PostgreSQL's poll does not need it (a B-tree range per shard), but keeps the same columns.
ALTER TABLE {schema}.consumer_watermarks ADD COLUMN refreshed_at timestamptz;

-- The local stand-in of Redshift's SYS_STREAM_SCAN_ERRORS (sql/common/tables.toml).
/*create_table:stream_scan_errors*/
