-- The actions role's statements, Redshift form. Redshift has no row locks (FOR UPDATE SKIP
-- LOCKED), no arrays and no ON CONFLICT: claims are plain reads (run ONE actions instance per
-- warehouse on Redshift; a second would publish the same alerts twice — still at least once,
-- with the stable alert_id), blocks are staged in a temp table and merged with MERGE, and
-- "= ANY(array)" becomes an IN list of placeholders at /*ids*/.

-- name: claim_blocks
SELECT alert_id, card_token FROM {schema}.alert_outbox
WHERE decision = 'block' AND block_applied_at IS NULL
ORDER BY created_at LIMIT %s

-- name: stage_blocks
CREATE TEMP TABLE IF NOT EXISTS fraudd_stage_blocks (
    card_token VARCHAR(64), tx_id VARCHAR(64), expires_at TIMESTAMPTZ
)

-- name: upsert_blocks
-- A card blocked again keeps the later expiry. The source has one row per card (the actions
-- role keeps the latest alert per card), as MERGE requires.
MERGE INTO {schema}.card_blocks USING fraudd_stage_blocks s
ON {schema}.card_blocks.card_token = s.card_token
WHEN MATCHED THEN UPDATE SET
    tx_id = s.tx_id,
    blocked_at = GETDATE(),
    expires_at = GREATEST({schema}.card_blocks.expires_at, s.expires_at)
WHEN NOT MATCHED THEN INSERT (card_token, tx_id, reason, blocked_at, expires_at)
    VALUES (s.card_token, s.tx_id, 'fraudd decision', GETDATE(), s.expires_at)

-- name: mark_blocked
UPDATE {schema}.alert_outbox SET block_applied_at = GETDATE()
WHERE alert_id IN (/*ids*/)

-- name: claim_alerts
SELECT alert_id, card_token, decision, score, payload FROM {schema}.alert_outbox
WHERE published_at IS NULL ORDER BY created_at LIMIT %s

-- name: mark_published
UPDATE {schema}.alert_outbox SET published_at = GETDATE(), attempts = attempts + 1
WHERE alert_id IN (/*ids*/)

-- name: mark_failed
UPDATE {schema}.alert_outbox SET attempts = attempts + 1,
    last_error = LEFT(CAST(%s AS VARCHAR(65535)), 1024)
WHERE alert_id IN (/*ids*/)

-- name: active_blocks
-- GETDATE(), not clock_timestamp() (a leader-node-only function on Redshift).
SELECT card_token FROM {schema}.card_blocks WHERE expires_at > GETDATE()
