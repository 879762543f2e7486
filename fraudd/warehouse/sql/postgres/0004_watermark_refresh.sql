-- The refresh time of the row a watermark stands on: every later row of the shard was ingested
-- no earlier, so Redshift's poll can bound its scan by it (see fraudd/warehouse/redshift/stream.py).
-- PostgreSQL's poll does not need it (a B-tree range per shard), but keeps the same columns.
ALTER TABLE {schema}.consumer_watermarks ADD COLUMN refreshed_at timestamptz;

-- The local stand-in of Redshift's SYS_STREAM_SCAN_ERRORS: records streaming ingestion could not
-- load into the view (on Redshift, records of 1 MiB or more are skipped and logged there). The
-- consumer turns each into a dead letter, so no record of the stream goes without a verdict.
CREATE TABLE {schema}.stream_scan_errors (
    mv_name      text        NOT NULL,
    partition_id text        NOT NULL,
    position     text        NOT NULL,
    record_time  timestamptz NOT NULL DEFAULT clock_timestamp(),
    error_code   integer     NOT NULL
);
