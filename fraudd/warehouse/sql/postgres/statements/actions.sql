-- The actions role's statements, PostgreSQL form. Claims take row locks with SKIP LOCKED, so
-- several actions workers never publish the same row at once.

-- name: claim_blocks
SELECT alert_id, card_token FROM {schema}.alert_outbox
WHERE decision = 'block' AND block_applied_at IS NULL
ORDER BY created_at LIMIT %s FOR UPDATE SKIP LOCKED

-- name: upsert_blocks
INSERT INTO {schema}.card_blocks (card_token, tx_id, reason, expires_at)
SELECT c, t, 'fraudd decision', clock_timestamp() + %s::interval
FROM unnest(%s::text[], %s::text[]) AS b(c, t)
ON CONFLICT (card_token) DO UPDATE
    SET tx_id = EXCLUDED.tx_id, blocked_at = clock_timestamp(),
        expires_at = GREATEST({schema}.card_blocks.expires_at, EXCLUDED.expires_at)

-- name: mark_blocked
UPDATE {schema}.alert_outbox SET block_applied_at = clock_timestamp()
WHERE alert_id = ANY(%s::text[])

-- name: claim_alerts
SELECT alert_id, card_token, decision, score, payload FROM {schema}.alert_outbox
WHERE published_at IS NULL ORDER BY created_at LIMIT %s FOR UPDATE SKIP LOCKED

-- name: mark_published
UPDATE {schema}.alert_outbox SET published_at = clock_timestamp(), attempts = attempts + 1
WHERE alert_id = ANY(%s::text[])

-- name: mark_failed
UPDATE {schema}.alert_outbox SET attempts = attempts + 1, last_error = %s
WHERE alert_id = ANY(%s::text[])

-- name: active_blocks
SELECT card_token FROM {schema}.card_blocks WHERE expires_at > clock_timestamp()
