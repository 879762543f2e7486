-- The local stack's stand-in for streaming ingestion (the ingest role).

-- name: append_records
-- The primary key makes a repeated append harmless.
INSERT INTO {schema}.{view}
    (approximate_arrival_timestamp, partition_key, shard_id, sequence_number, kinesis_data)
SELECT * FROM unnest(%b::timestamptz[], %b::text[], %b::text[], %b::numeric[], %b::bytea[])
ON CONFLICT DO NOTHING

-- name: stream_position
SELECT max(sequence_number)::text FROM {schema}.{view} WHERE shard_id = %s
