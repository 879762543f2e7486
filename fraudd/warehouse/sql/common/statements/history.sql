-- History bulk loads (fraudd.warehouse.shared.history) and the simulations table. The load's
-- temp tables are fraudd_history_staging (the file's rows, with their line numbers) and
-- fraudd_history_rejects (line, reason); their DDL differs by dialect.

-- name: show_timeout
SHOW statement_timeout

-- name: set_timeout
-- SET_CONFIG exists on both (https://docs.aws.amazon.com/redshift/latest/dg/r_SET_CONFIG.html).
SELECT set_config('statement_timeout', %s, false)

-- name: drop_staging
DROP TABLE IF EXISTS fraudd_history_staging

-- name: drop_rejects
DROP TABLE IF EXISTS fraudd_history_rejects

-- name: find_rejects
-- Rows already stored, and every repeat of an id after its first line. Explicit on both
-- dialects: Redshift does not enforce the primary key.
INSERT INTO fraudd_history_rejects (line, reason)
SELECT s.line, CASE WHEN t.tx_id IS NOT NULL THEN 'already_loaded' ELSE 'duplicate_in_file' END
FROM (SELECT line, tx_id, ROW_NUMBER() OVER (PARTITION BY tx_id ORDER BY line) AS rn
      FROM fraudd_history_staging) s
LEFT JOIN {schema}.transactions t ON t.tx_id = s.tx_id
WHERE t.tx_id IS NOT NULL OR s.rn > 1

-- name: find_loaded
-- The simulator's output has no repeats: only rows already stored are set aside.
INSERT INTO fraudd_history_rejects (line, reason)
SELECT s.line, 'already_loaded'
FROM fraudd_history_staging s JOIN {schema}.transactions t ON t.tx_id = s.tx_id

-- name: reject_counts
SELECT reason, count(*) AS n FROM fraudd_history_rejects GROUP BY reason

-- name: reject_sample
-- The first rejected lines; the bound is a parameter in WHERE (not in LIMIT), which every
-- dialect's prepared statements take.
SELECT line, reason
FROM (SELECT line, reason, ROW_NUMBER() OVER (ORDER BY line) AS n FROM fraudd_history_rejects) r
WHERE n <= %s
ORDER BY line

-- name: insert_transactions
-- Parameter: the rows' source.
INSERT INTO {schema}.transactions (tx_id, tx_time, customer_id, terminal_id, card_token, last4,
    amount, merchant_category, channel, currency, terminal_x, terminal_y{own_names:columns}, source)
SELECT s.tx_id, s.tx_time, s.customer_id, s.terminal_id, s.card_token, s.last4, s.amount,
    s.merchant_category, s.channel, s.currency, s.terminal_x, s.terminal_y{own_staged:columns}, %s
FROM fraudd_history_staging s
WHERE NOT EXISTS (SELECT 1 FROM fraudd_history_rejects r WHERE r.line = s.line)

-- name: insert_labels
-- Parameter: the labels' source. A live label can exist without its transaction (a declined
-- swipe): that one is kept.
INSERT INTO {schema}.labels (tx_id, is_fraud, labelled_at, fraud_scenario, source)
SELECT s.tx_id, s.is_fraud, s.labelled_at, s.fraud_scenario, %s
FROM fraudd_history_staging s
WHERE NOT EXISTS (SELECT 1 FROM fraudd_history_rejects r WHERE r.line = s.line)
  AND NOT EXISTS (SELECT 1 FROM {schema}.labels l WHERE l.tx_id = s.tx_id)

-- name: analyze_transactions
ANALYZE {schema}.transactions

-- name: analyze_labels
ANALYZE {schema}.labels

-- name: insert_simulation
INSERT INTO {schema}.simulations (simulation_id, seed, customers, terminals, radius, origin, days,
    transactions, frauds, label_delay_max_days)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)

-- name: same_seed
SELECT seed, customers, terminals, radius, origin, days, transactions, frauds,
       label_delay_max_days
FROM {schema}.simulations WHERE seed = %s ORDER BY loaded_at

-- name: latest_simulation
SELECT seed, customers, terminals, radius, origin, days, transactions, frauds,
       label_delay_max_days
FROM {schema}.simulations ORDER BY loaded_at DESC LIMIT 1

-- name: newest_since
-- The live source's resume point: a constant lower bound on the sort key (tx_time), so on
-- Redshift zone maps skip the history before it.
SELECT max(tx_time) FROM {schema}.transactions WHERE tx_time >= %s
