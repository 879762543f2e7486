-- The actions role's statements where the dialects agree.

-- name: alerts_pending
SELECT count(*) FROM {schema}.alert_outbox WHERE published_at IS NULL
