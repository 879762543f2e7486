-- The console's statements in Redshift's form: no array parameters (IN lists of placeholders at
-- /*ids*/), SUPER written with JSON_PARSE. The rest is
-- common/statements/cases.sql.
-- JSON_PARSE: https://docs.aws.amazon.com/redshift/latest/dg/JSON_PARSE.html

-- name: stored_labels
SELECT tx_id, is_fraud, source FROM {schema}.labels WHERE tx_id IN (/*ids*/)

-- name: delete_labels
DELETE FROM {schema}.labels WHERE tx_id IN (/*ids*/)

-- name: transaction_times
SELECT tx_id, tx_time FROM {schema}.transactions WHERE tx_id IN (/*ids*/)

-- name: audit_about
SELECT audit_id, acted_at, actor, actor_role, action, subject, detail, state_before, state_after
FROM {schema}.audit_log WHERE subject IN (/*ids*/)
ORDER BY acted_at DESC, audit_id LIMIT %s

-- name: enqueue_message
INSERT INTO {schema}.alert_outbox (alert_id, card_token, decision, score, payload)
VALUES (%s, %s, %s, 0, JSON_PARSE(%s))

-- name: append_audit
INSERT INTO {schema}.audit_log (audit_id, acted_at, actor, actor_role, action, subject, detail,
                                state_before, state_after)
VALUES (%s, %s, %s, %s, %s, %s, %s, JSON_PARSE(%s), JSON_PARSE(%s))
