-- The console's statements where PostgreSQL and Redshift agree (fraudd.warehouse.api.cases).
-- Times are bound parameters (the caller's clock), not the server's: one text for both
-- dialects, and the audit log, the verdict and the label of one action carry the same instant.
-- On Redshift, where keys are not enforced, the NOT EXISTS guards are what keeps one case per
-- alert and one open case per card (run one console instance per warehouse there).

-- name: open_cases
-- One new case per card that has alerts in no case and no open case; its id is stable
-- ('case-' || its first alert id) and it opens at its first alert's time.
INSERT INTO {schema}.cases (case_id, card_token, last4, status, opened_at)
SELECT 'case-' || MIN(a.alert_id), a.card_token, MAX(t.last4), 'open', MIN(a.created_at)
FROM {schema}.alert_outbox a
LEFT JOIN {schema}.transactions t ON t.tx_id = a.alert_id
WHERE a.decision IN ('review', 'block') AND a.created_at > %s
  AND NOT EXISTS (SELECT 1 FROM {schema}.case_alerts ca WHERE ca.alert_id = a.alert_id)
  AND NOT EXISTS (
      SELECT 1 FROM {schema}.cases c WHERE c.card_token = a.card_token AND c.status = 'open'
  )
GROUP BY a.card_token

-- name: attach_alerts
INSERT INTO {schema}.case_alerts (alert_id, case_id, attached_at)
SELECT a.alert_id, c.case_id, %s
FROM {schema}.alert_outbox a
JOIN {schema}.cases c ON c.card_token = a.card_token AND c.status = 'open'
WHERE a.decision IN ('review', 'block') AND a.created_at > %s
  AND NOT EXISTS (SELECT 1 FROM {schema}.case_alerts ca WHERE ca.alert_id = a.alert_id)

-- name: list_cases
-- Each optional filter is (value IS NULL OR condition): one statement for every combination.
-- The rule filter joins the live rule set's result of an alert's transaction only when the rule
-- is among its matched names (a comma-separated list); alerts are counted distinct, so a
-- transaction decided again under another version does not count twice.
SELECT c.case_id, c.card_token, c.last4, c.status, c.assignee, c.opened_at,
       MAX(a.score) AS top_score,
       MAX(CASE WHEN a.decision = 'block' THEN 2 ELSE 1 END) AS decision_rank,
       COUNT(DISTINCT a.alert_id) AS alerts,
       MAX(t.amount) AS max_amount,
       MAX(a.created_at) AS latest_alert_at
FROM {schema}.cases c
JOIN {schema}.case_alerts ca ON ca.case_id = c.case_id
JOIN {schema}.alert_outbox a ON a.alert_id = ca.alert_id
LEFT JOIN {schema}.transactions t ON t.tx_id = a.alert_id
LEFT JOIN {schema}.rule_results r ON r.tx_id = a.alert_id AND NOT r.shadow
     AND POSITION(',' || CAST(%s AS VARCHAR(64)) || ',' IN ',' || r.matched || ',') > 0
WHERE c.status = %s
GROUP BY c.case_id, c.card_token, c.last4, c.status, c.assignee, c.opened_at
HAVING (CAST(%s AS VARCHAR(8)) IS NULL
        OR MAX(CASE WHEN a.decision = CAST(%s AS VARCHAR(8)) THEN 1 ELSE 0 END) = 1)
   AND (CAST(%s AS TIMESTAMPTZ) IS NULL OR c.opened_at >= CAST(%s AS TIMESTAMPTZ))
   AND (CAST(%s AS NUMERIC(14,2)) IS NULL OR MAX(t.amount) >= CAST(%s AS NUMERIC(14,2)))
   AND (CAST(%s AS VARCHAR(4)) IS NULL
        OR MAX(CASE WHEN t.merchant_category = CAST(%s AS VARCHAR(4)) THEN 1 ELSE 0 END) = 1)
   AND (CAST(%s AS VARCHAR(64)) IS NULL OR MAX(CASE WHEN r.tx_id IS NULL THEN 0 ELSE 1 END) = 1)
ORDER BY top_score DESC, c.opened_at, c.case_id
LIMIT %s OFFSET %s

-- name: get_case
SELECT case_id, card_token, last4, status, assignee, opened_at, closed_at, closed_by, outcome
FROM {schema}.cases WHERE case_id = %s

-- name: case_alerts
SELECT a.alert_id, a.decision, a.score, a.created_at, a.payload,
       t.tx_time, t.amount, t.currency, t.merchant_category, t.channel, t.terminal_id
FROM {schema}.case_alerts ca
JOIN {schema}.alert_outbox a ON a.alert_id = ca.alert_id
LEFT JOIN {schema}.transactions t ON t.tx_id = a.alert_id
WHERE ca.case_id = %s
ORDER BY a.score DESC, a.alert_id

-- name: card_history
-- By the alerted transaction's customer first: the (customer_id, tx_time) index (PostgreSQL)
-- and the DISTKEY (Redshift) then bound the scan; card_token narrows it to the card.
SELECT t.tx_id, t.tx_time, t.amount, t.terminal_id, t.merchant_category, t.channel,
       d.decision, d.score
FROM {schema}.transactions t
LEFT JOIN {schema}.decisions d ON d.tx_id = t.tx_id
WHERE t.customer_id = (SELECT customer_id FROM {schema}.transactions WHERE tx_id = %s)
  AND t.card_token = %s
ORDER BY t.tx_time DESC
LIMIT %s

-- name: close_case
UPDATE {schema}.cases SET status = 'closed', outcome = %s, closed_by = %s, closed_at = %s
WHERE case_id = %s AND status = 'open'

-- name: assign_case
UPDATE {schema}.cases SET assignee = %s WHERE case_id = %s AND status = 'open'

-- name: open_case_count
SELECT COUNT(*) FROM {schema}.cases WHERE status = 'open'

-- name: insert_verdict
INSERT INTO {schema}.verdicts (verdict_id, case_id, card_token, outcome, actor, note, decided_at)
VALUES (%s, %s, %s, %s, %s, %s, %s)

-- name: card_verdicts
SELECT verdict_id, case_id, card_token, outcome, actor, note, decided_at
FROM {schema}.verdicts WHERE card_token = %s ORDER BY decided_at DESC, verdict_id

-- name: audit_recent
SELECT audit_id, acted_at, actor, actor_role, action, subject, detail, state_before, state_after
FROM {schema}.audit_log ORDER BY acted_at DESC, audit_id LIMIT %s

-- name: get_block
SELECT b.card_token, t.last4, b.tx_id, b.reason, b.blocked_at, b.expires_at
FROM {schema}.card_blocks b
LEFT JOIN {schema}.transactions t ON t.tx_id = b.tx_id
WHERE b.card_token = %s AND b.expires_at > %s

-- name: list_blocks
SELECT b.card_token, t.last4, b.tx_id, b.reason, b.blocked_at, b.expires_at
FROM {schema}.card_blocks b
LEFT JOIN {schema}.transactions t ON t.tx_id = b.tx_id
WHERE b.expires_at > %s
ORDER BY b.expires_at DESC, b.card_token
LIMIT %s

-- name: release_block
DELETE FROM {schema}.card_blocks WHERE card_token = %s

-- name: insert_block
INSERT INTO {schema}.card_blocks (card_token, tx_id, reason, blocked_at, expires_at)
VALUES (%s, %s, %s, %s, %s)

-- name: decisions_per_minute
SELECT DATE_TRUNC('minute', decided_at) AS at, decision, COUNT(*) AS n
FROM {schema}.decisions WHERE decided_at >= %s
GROUP BY 1, 2 ORDER BY 1, 2

-- name: verdicts_per_hour
-- Alerts per hour and how many of them investigators have called fraud or legitimate so far
-- (a closed case's outcome applies to each of its alerts): the precision as verdicts arrive.
SELECT DATE_TRUNC('hour', a.created_at) AS at,
       COUNT(*) AS alerts,
       SUM(CASE WHEN c.outcome = 'fraud' THEN 1 ELSE 0 END) AS fraud,
       SUM(CASE WHEN c.outcome = 'legitimate' THEN 1 ELSE 0 END) AS legitimate
FROM {schema}.alert_outbox a
LEFT JOIN {schema}.case_alerts ca ON ca.alert_id = a.alert_id
LEFT JOIN {schema}.cases c ON c.case_id = ca.case_id
WHERE a.decision IN ('review', 'block') AND a.created_at >= %s
GROUP BY 1 ORDER BY 1

-- name: latency_per_minute
-- EXTRACT(EPOCH FROM timestamptz) is DOUBLE PRECISION seconds in both dialects:
-- https://docs.aws.amazon.com/redshift/latest/dg/r_EXTRACT_function.html
SELECT DATE_TRUNC('minute', decided_at) AS at,
       AVG(EXTRACT(EPOCH FROM decided_at) - EXTRACT(EPOCH FROM produced_at)) AS mean_s,
       MAX(EXTRACT(EPOCH FROM decided_at) - EXTRACT(EPOCH FROM produced_at)) AS max_s
FROM {schema}.decisions WHERE decided_at >= %s AND produced_at IS NOT NULL
GROUP BY 1 ORDER BY 1
