-- The console's statements in PostgreSQL's form: arrays bound as one parameter (= ANY),
-- text bound to jsonb. The rest is common/statements/cases.sql.

-- name: stored_labels
SELECT tx_id, is_fraud, source FROM {schema}.labels WHERE tx_id = ANY(%s::text[])

-- name: delete_labels
DELETE FROM {schema}.labels WHERE tx_id = ANY(%s::text[])

-- name: transaction_times
SELECT tx_id, tx_time FROM {schema}.transactions WHERE tx_id = ANY(%s::text[])

-- name: audit_about
SELECT audit_id, acted_at, actor, actor_role, action, subject, detail, state_before, state_after
FROM {schema}.audit_log WHERE subject = ANY(%s::text[])
ORDER BY acted_at DESC, audit_id LIMIT %s

-- name: enqueue_message
INSERT INTO {schema}.alert_outbox (alert_id, card_token, decision, score, payload)
VALUES (%s, %s, %s, 0, %s::jsonb)

-- name: append_audit
INSERT INTO {schema}.audit_log (audit_id, acted_at, actor, actor_role, action, subject, detail,
                                state_before, state_after)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s::jsonb)
