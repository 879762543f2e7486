-- name: known_frauds
-- Fraudulent transactions (card, time) with start <= tx_time < end, for the evaluation
-- protocol's known-compromised cards. Every label counts, whenever it arrived: the protocol's
-- delay period already stands for the time labels take. Parameters: start, end (constant
-- bounds on tx_time, Redshift's sort key: zone maps skip the rest of the history).
SELECT t.card_token, t.tx_time
FROM {schema}.transactions t
JOIN {schema}.labels l ON l.tx_id = t.tx_id
WHERE l.is_fraud
  AND t.tx_time >= %s
  AND t.tx_time < %s

-- name: fraud_scenarios
-- Fraudulent transactions (tx_id, scenario) with start <= tx_time < end whose label names a
-- scenario, for the evaluation's recall per scenario. Parameters: start, end (constant bounds
-- on tx_time, Redshift's sort key).
SELECT t.tx_id, l.fraud_scenario
FROM {schema}.transactions t
JOIN {schema}.labels l ON l.tx_id = t.tx_id
WHERE l.is_fraud
  AND l.fraud_scenario IS NOT NULL
  AND t.tx_time >= %s
  AND t.tx_time < %s
