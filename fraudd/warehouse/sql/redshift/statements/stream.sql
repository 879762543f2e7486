-- The consumer's statements, Redshift form (see fraudd/warehouse/redshift/stream.py).
-- Redshift has no arrays (no unnest, no = ANY), no ON CONFLICT and no RETURNING, and does not
-- enforce primary keys: batches go in as multi-row INSERT ... VALUES (row groups repeated by
-- redshift/stream.py, chunked under the 16 MB statement limit), after an explicit check for
-- what is already stored. That is exactly-once only because begin_decide's LOCK serialises
-- every decide transaction (SNAPSHOT isolation, the default of new databases, does not prevent
-- write-skew inserts).
-- Kinesis sequence numbers (up to 128 digits, beyond NUMERIC's 38) are VARCHAR(128) and
-- compare as (length, string).

-- name: begin_decide
-- First statement of every decide transaction: an exclusive lock on the watermark table (held
-- until COMMIT) so that two consumers that overlap on a shard decide one after the other, each
-- seeing what the other committed.
LOCK {schema}.consumer_watermarks

-- name: shards
-- Shards with rows refreshed since the bound: zone maps on refresh_time skip every older block
-- (refresh_time only grows as the view is appended to).
SELECT DISTINCT shard_id FROM {schema}.{view} WHERE refresh_time >= %s

-- name: watermarks
SELECT shard_id, sequence_number, refreshed_at
FROM {schema}.consumer_watermarks WHERE consumer_group = %s

-- name: pending
-- The rows past each shard's watermark, at most the limit per shard, in sequence order. The
-- watermarks come in as a UNION ALL of constant rows (see pending_sql in redshift/stream.py).
-- The constant bound on refresh_time (the lowest of the shards' watermarks, less a margin) is
-- what lets zone maps prune: a row past a watermark was refreshed no earlier than the row the
-- watermark stands on, so the bound cannot skip a row.
SELECT r.shard_id, r.sequence_number, r.partition_key, r.approximate_arrival_timestamp,
       r.kinesis_data, r.refresh_time
FROM (
    SELECT v.shard_id, v.sequence_number, v.partition_key, v.approximate_arrival_timestamp,
           v.kinesis_data, v.refresh_time,
           ROW_NUMBER() OVER (PARTITION BY v.shard_id
                              ORDER BY CHAR_LENGTH(v.sequence_number), v.sequence_number) AS rn
    FROM {schema}.{view} v
    JOIN (/*watermarks*/) w ON v.shard_id = w.shard_id
    WHERE v.refresh_time >= %s
      AND (CHAR_LENGTH(v.sequence_number) > CHAR_LENGTH(w.after_seq)
           OR (CHAR_LENGTH(v.sequence_number) = CHAR_LENGTH(w.after_seq)
               AND v.sequence_number > w.after_seq))
) r
WHERE r.rn <= %s
ORDER BY r.shard_id, CHAR_LENGTH(r.sequence_number), r.sequence_number

-- name: watermark_row
SELECT CAST(%s AS VARCHAR(64)) AS shard_id, CAST(%s AS VARCHAR(128)) AS after_seq

-- name: existing_transactions
-- The batch's tx_ids already stored. transactions has no index and its sort key is tx_time, so
-- the lookup is bounded by constants on tx_time (the batch's range widened by a day) that zone
-- maps prune: a resent record has the same tx_time; a tx_id reused more than a day apart is not
-- caught here (PostgreSQL's enforced key catches it). Parameters: low, high, then the tx_ids.
SELECT tx_id FROM {schema}.transactions
WHERE tx_time BETWEEN %s AND %s AND tx_id IN (/*ids*/)

-- name: insert_transactions
INSERT INTO {schema}.transactions
    (tx_id, tx_time, customer_id, terminal_id, card_token, last4, amount, merchant_category,
     channel, currency, terminal_x, terminal_y, produced_at{own_names:columns}, source)
VALUES

-- name: transaction_row
(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s{own_params:columns}, 'stream')

-- name: insert_decisions
INSERT INTO {schema}.decisions
    (tx_id, shard_id, sequence_number, card_token, tx_time, amount, score, decision, reasons,
     model_version, produced_at, consumer_group)
VALUES

-- name: decision_row
(%s, %s, %s, %s, %s, %s, %s, %s, JSON_PARSE(%s), %s, %s, %s)

-- name: insert_outbox
INSERT INTO {schema}.alert_outbox (alert_id, card_token, decision, score, payload) VALUES

-- name: outbox_row
(%s, %s, %s, %s, JSON_PARSE(%s))

-- name: stage_dead_letters
CREATE TEMP TABLE IF NOT EXISTS fraudd_stage_dead (
    ord INTEGER, shard_id VARCHAR(64), sequence_number VARCHAR(128),
    partition_key VARCHAR(65535), reason VARCHAR(65535), detail VARCHAR(65535),
    raw VARBYTE(1048576)
)

-- name: insert_dead_letters
-- Text is cut to the column sizes here, so an odd record can never fail its batch (invariant 4).
INSERT INTO {schema}.dead_letters
    (shard_id, sequence_number, partition_key, reason, detail, raw, consumer_group)
SELECT s.shard_id, s.sequence_number, LEFT(s.partition_key, 256), LEFT(s.reason, 64),
       LEFT(s.detail, 1024), s.raw, CAST(%s AS VARCHAR(64))
FROM fraudd_stage_dead s
WHERE NOT EXISTS (SELECT 1 FROM {schema}.dead_letters d
                  WHERE d.shard_id = s.shard_id AND d.sequence_number = s.sequence_number)

-- name: advance_watermark
-- Optimistic advance from the watermark the batch was read at (one UPDATE per shard: no arrays).
UPDATE {schema}.consumer_watermarks
SET sequence_number = %s, refreshed_at = %s, updated_at = GETDATE()
WHERE consumer_group = %s AND shard_id = %s AND sequence_number = %s

-- name: first_watermark
-- A shard's first watermark, inserted only if the group has none yet (begin_decide's lock makes
-- the check and the insert one step for every other consumer).
INSERT INTO {schema}.consumer_watermarks (sequence_number, refreshed_at, consumer_group, shard_id)
SELECT CAST(%s AS VARCHAR(128)), CAST(%s AS TIMESTAMP), CAST(%s AS VARCHAR(64)),
       CAST(%s AS VARCHAR(64))
WHERE NOT EXISTS (SELECT 1 FROM {schema}.consumer_watermarks w
                  WHERE w.consumer_group = %s AND w.shard_id = %s)


-- name: skipped_records
-- Records streaming ingestion did not load into the view: Kinesis takes records up to 10 MiB,
-- the view's kinesis_data holds less than 1 MiB, and larger records "are not processed" and are
-- logged in SYS_STREAM_SCAN_ERRORS (Kinesis Data Streams Developer Guide, "Handle large
-- records"; SYS_STREAM_SCAN_ERRORS in the Redshift Database Developer Guide). partition_id is
-- the shard, position the sequence number; the char columns are blank-padded.
SELECT TRIM(partition_id) AS shard_id, TRIM(position) AS sequence_number, record_time, error_code
FROM SYS_STREAM_SCAN_ERRORS
WHERE TRIM(mv_name) = %s AND record_time > %s
ORDER BY record_time LIMIT 1000
