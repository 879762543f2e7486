-- Frauds among a run's decisions (ground truth: the labels) and how many were flagged (review or
-- block). SUM(CASE ...) rather than FILTER, which Redshift lacks. Owner: RunFigures.caught.
SELECT
  SUM(CASE WHEN l.is_fraud THEN 1 ELSE 0 END) AS fraud_decided,
  SUM(CASE WHEN l.is_fraud AND d.decision <> 'approve' THEN 1 ELSE 0 END) AS fraud_caught,
  SUM(CASE WHEN l.is_fraud AND d.decision = 'block' THEN 1 ELSE 0 END) AS fraud_blocked,
  SUM(CASE WHEN NOT l.is_fraud AND d.decision <> 'approve' THEN 1 ELSE 0 END) AS legit_alerted
FROM {schema}.decisions d JOIN {schema}.labels l ON l.tx_id = d.tx_id
WHERE d.produced_at >= %s
