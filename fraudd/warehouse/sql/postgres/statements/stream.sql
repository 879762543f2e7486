-- The consumer's statements, PostgreSQL form (the local stand-in for Redshift).
-- Batches are bound as arrays and expanded with unnest, so one round trip writes a whole batch.
-- The batch arrays are bound in binary (%b, psycopg): encoding them as text array literals cost
-- about 14 µs per row of a 13-column insert, binary about 3.

-- name: shards
-- Loose index scan over the primary key: cheap however many rows the view holds.
WITH RECURSIVE s(shard_id) AS (
    (SELECT shard_id FROM {schema}.{view} ORDER BY shard_id LIMIT 1)
    UNION ALL
    SELECT (SELECT v.shard_id FROM {schema}.{view} v WHERE v.shard_id > s.shard_id
            ORDER BY v.shard_id LIMIT 1)
    FROM s WHERE s.shard_id IS NOT NULL
)
SELECT shard_id FROM s WHERE shard_id IS NOT NULL

-- name: watermarks
SELECT shard_id, sequence_number::text, refreshed_at
FROM {schema}.consumer_watermarks WHERE consumer_group = %s

-- name: pending
-- Each shard's rows past its watermark: an index range scan of the primary key per shard.
SELECT r.shard_id, r.sequence_number::text AS sequence_number, r.partition_key,
       r.approximate_arrival_timestamp, r.kinesis_data, r.refresh_time
FROM unnest(%s::text[], %s::numeric[]) AS w(shard_id, after_seq)
CROSS JOIN LATERAL (
    SELECT v.shard_id, v.sequence_number, v.partition_key, v.approximate_arrival_timestamp,
           v.kinesis_data, v.refresh_time
    FROM {schema}.{view} v
    WHERE v.shard_id = w.shard_id AND v.sequence_number > w.after_seq
    ORDER BY v.sequence_number
    LIMIT %s
) r

-- name: insert_transactions
-- The primary key decides which tx_ids are new; RETURNING names them.
INSERT INTO {schema}.transactions
    (tx_id, tx_time, customer_id, terminal_id, card_token, last4, amount, merchant_category,
     channel, currency, terminal_x, terminal_y, produced_at{own_names:columns}, source)
SELECT *, 'stream' FROM unnest(
    %b::text[], %b::timestamptz[], %b::text[], %b::text[], %b::text[], %b::text[],
    %b::numeric[], %b::text[], %b::text[], %b::text[], %b::float8[], %b::float8[],
    %b::timestamptz[]{own_arrays:columns}
)
ON CONFLICT (tx_id) DO NOTHING
RETURNING tx_id

-- name: insert_decisions
INSERT INTO {schema}.decisions
    (tx_id, shard_id, sequence_number, card_token, tx_time, amount, score, decision, reasons,
     model_version, produced_at, consumer_group)
SELECT *, %s FROM unnest(
    %b::text[], %b::text[], %b::numeric[], %b::text[], %b::timestamptz[], %b::numeric[],
    %b::float8[], %b::text[], %b::jsonb[], %b::text[], %b::timestamptz[]
)

-- name: insert_outbox
INSERT INTO {schema}.alert_outbox (alert_id, card_token, decision, score, payload)
SELECT * FROM unnest(%b::text[], %b::text[], %b::text[], %b::float8[], %b::jsonb[])

-- name: insert_dead_letters
INSERT INTO {schema}.dead_letters
    (shard_id, sequence_number, partition_key, reason, detail, raw, consumer_group)
SELECT *, %s FROM unnest(%b::text[], %b::numeric[], %b::text[], %b::text[], %b::text[], %b::bytea[])
ON CONFLICT DO NOTHING

-- name: advance_watermarks
-- Optimistic advance: each row moves only from the watermark the batch was read at, so two
-- consumers that ever overlap on a shard cannot both commit the same rows (the count tells).
UPDATE {schema}.consumer_watermarks w
SET sequence_number = v.head, refreshed_at = v.refreshed, updated_at = clock_timestamp()
FROM unnest(%b::text[], %b::numeric[], %b::timestamptz[], %b::numeric[])
     AS v (shard_id, head, refreshed, old)
WHERE w.consumer_group = %s AND w.shard_id = v.shard_id AND w.sequence_number = v.old

-- name: first_watermark
-- The primary key lets exactly one consumer create a shard's first watermark.
INSERT INTO {schema}.consumer_watermarks (sequence_number, refreshed_at, consumer_group, shard_id)
VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING

-- name: skipped_records
-- Records ingestion could not load (the local stand-in of SYS_STREAM_SCAN_ERRORS).
SELECT partition_id, position, record_time, error_code
FROM {schema}.stream_scan_errors
WHERE mv_name = %s AND record_time > %s
ORDER BY record_time LIMIT 1000
