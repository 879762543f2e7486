-- Run figures (fraudd/warehouse/api/figures.py): what one run of the loop did, counted in the
-- warehouse; every bound value is the run's start. The demo's summary and live view use them.

-- name: run_counts
SELECT
  (SELECT count(*) FROM {schema}.{view} WHERE approximate_arrival_timestamp >= %s) AS in_stream,
  (SELECT count(*) FROM {schema}.decisions WHERE produced_at >= %s) AS decided,
  (SELECT count(*) FROM {schema}.dead_letters WHERE received_at >= %s) AS dead_lettered,
  (SELECT count(*) FROM {schema}.alert_outbox WHERE created_at >= %s) AS alerts,
  (SELECT count(*) FROM {schema}.alert_outbox WHERE created_at >= %s
      AND published_at IS NOT NULL) AS alerts_published,
  (SELECT count(*) FROM {schema}.card_blocks WHERE blocked_at >= %s) AS cards_blocked,
  (SELECT count(*) FROM {schema}.decisions WHERE produced_at >= %s
      AND decision = 'block') AS blocks_decided

-- name: run_caught
-- Frauds among a run's decisions (ground truth: the labels) and how many were flagged (review
-- or block). SUM(CASE ...) rather than FILTER, which Redshift lacks.
SELECT
  SUM(CASE WHEN l.is_fraud THEN 1 ELSE 0 END) AS fraud_decided,
  SUM(CASE WHEN l.is_fraud AND d.decision <> 'approve' THEN 1 ELSE 0 END) AS fraud_caught,
  SUM(CASE WHEN l.is_fraud AND d.decision = 'block' THEN 1 ELSE 0 END) AS fraud_blocked,
  SUM(CASE WHEN NOT l.is_fraud AND d.decision <> 'approve' THEN 1 ELSE 0 END) AS legit_alerted
FROM {schema}.decisions d JOIN {schema}.labels l ON l.tx_id = d.tx_id
WHERE d.produced_at >= %s

-- name: run_latency_between
-- End-to-end latency (decided_at - produced_at) in ms, p50, p95, p99 and max, of the decisions
-- produced in [since, until). One form for both dialects: PERCENTILE_CONT is an aggregate in
-- Redshift too, and several calls in one statement must share one ORDER BY expression, as here
-- (https://docs.aws.amazon.com/redshift/latest/dg/r_PERCENTILE_CONT.html); EXTRACT(epoch ...)
-- of a timestamp is in seconds in both
-- (https://docs.aws.amazon.com/redshift/latest/dg/r_Dateparts_for_datetime_functions.html).
SELECT
  PERCENTILE_CONT(0.5) WITHIN GROUP (
    ORDER BY (EXTRACT(epoch FROM decided_at) - EXTRACT(epoch FROM produced_at)) * 1000) AS p50,
  PERCENTILE_CONT(0.95) WITHIN GROUP (
    ORDER BY (EXTRACT(epoch FROM decided_at) - EXTRACT(epoch FROM produced_at)) * 1000) AS p95,
  PERCENTILE_CONT(0.99) WITHIN GROUP (
    ORDER BY (EXTRACT(epoch FROM decided_at) - EXTRACT(epoch FROM produced_at)) * 1000) AS p99,
  MAX((EXTRACT(epoch FROM decided_at) - EXTRACT(epoch FROM produced_at)) * 1000) AS max_ms
FROM {schema}.decisions WHERE produced_at >= %s AND produced_at < %s

-- name: outcomes_between
-- Decisions produced in [since, until), by outcome (approve / review / block).
SELECT decision, COUNT(*) FROM {schema}.decisions
WHERE produced_at >= %s AND produced_at < %s GROUP BY decision

-- name: decided_per_second
-- Decisions of the run (produced at or after since) by the whole wall-clock second they were
-- decided in (seconds since the epoch), for a backlog series.
SELECT CAST(FLOOR(EXTRACT(epoch FROM decided_at)) AS BIGINT) AS s, COUNT(*) AS n
FROM {schema}.decisions WHERE produced_at >= %s GROUP BY 1 ORDER BY 1

-- name: oldest_undecided
-- The oldest record produced before a moment and not yet decided at it (decided at or after it).
SELECT MIN(produced_at) FROM {schema}.decisions WHERE produced_at < %s AND decided_at >= %s

-- name: stage_latency_p50
-- Median ms of each stage (produced -> Kinesis arrival -> in the view -> decided) for the
-- decisions produced in [since, until): one branch per stage, because the PERCENTILE_CONT calls
-- of one query block must share one ORDER BY expression in Redshift (page above).
WITH staged AS (
  SELECT EXTRACT(epoch FROM s.approximate_arrival_timestamp) - EXTRACT(epoch FROM d.produced_at)
           AS producer_to_kinesis,
         EXTRACT(epoch FROM s.refresh_time) - EXTRACT(epoch FROM s.approximate_arrival_timestamp)
           AS kinesis_to_view,
         EXTRACT(epoch FROM d.decided_at) - EXTRACT(epoch FROM s.refresh_time)
           AS view_to_decision
  FROM {schema}.decisions d
  JOIN {schema}.{view} s ON s.shard_id = d.shard_id AND s.sequence_number = d.sequence_number
  WHERE d.produced_at >= %s AND d.produced_at < %s
)
SELECT 'producer_to_kinesis' AS stage,
       PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY producer_to_kinesis * 1000) AS p50 FROM staged
UNION ALL
SELECT 'kinesis_to_view',
       PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY kinesis_to_view * 1000) FROM staged
UNION ALL
SELECT 'view_to_decision',
       PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY view_to_decision * 1000) FROM staged

-- name: run_caught_by_scenario
-- The run's decided frauds by fraud scenario (the labels'), with how many were flagged (review or
-- block) and blocked: the demo's recall per scenario. Frauds whose label names no scenario are
-- left out.
SELECT
  l.fraud_scenario,
  COUNT(*) AS frauds,
  SUM(CASE WHEN d.decision <> 'approve' THEN 1 ELSE 0 END) AS caught,
  SUM(CASE WHEN d.decision = 'block' THEN 1 ELSE 0 END) AS blocked
FROM {schema}.decisions d JOIN {schema}.labels l ON l.tx_id = d.tx_id
WHERE d.produced_at >= %s
  AND l.is_fraud
  AND l.fraud_scenario IS NOT NULL
GROUP BY l.fraud_scenario
ORDER BY l.fraud_scenario

-- name: run_blocks_without_fraud
-- Cards a decision of the run blocked although none of the card's decided swipes of the run is a
-- labelled fraud (the cost of blocking to genuine cardholders). A grouped form, not a correlated
-- NOT EXISTS, for Redshift.
SELECT COUNT(*)
FROM (
  SELECT
    d.card_token,
    MAX(CASE WHEN d.decision = 'block' THEN 1 ELSE 0 END) AS blocked,
    MAX(CASE WHEN l.is_fraud THEN 1 ELSE 0 END) AS any_fraud
  FROM {schema}.decisions d LEFT JOIN {schema}.labels l ON l.tx_id = d.tx_id
  WHERE d.produced_at >= %s
  GROUP BY d.card_token
) cards
WHERE cards.blocked = 1 AND cards.any_fraud = 0
