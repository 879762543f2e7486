-- Redshift: features of a batch of transactions already inserted into {schema}.transactions
-- (the consumer runs it in the same transaction as the insert). Parameters, bound by name at
-- their /*name*/ markers (fraudd.warehouse.shared.features.bind): the tx_ids (one placeholder
-- each), the batch's first and last tx_time, and the scan bounds of features_windows.sql
-- (scan_from = first - FEATURE_LOOKBACK, scan_to = last).
-- Both scans of transactions are bounded by constants on its sort key tx_time: zone maps prune
-- only on such predicates (https://docs.aws.amazon.com/redshift/latest/dg/t_Sorting_data.html),
-- so "tx_id IN (...)" or a join on b.tx_time alone would read the whole table every batch.
-- Same definition as features_training.sql (aggregates: features_windows.sql, final expressions:
-- features_select.sql): bounded self-joins per window, so the work depends on the batch and the
-- windows, not on history size.
WITH b AS (
    SELECT t.tx_id, t.tx_time, t.customer_id, t.terminal_id, t.card_token, t.amount
    FROM {schema}.transactions t
    WHERE t.tx_id IN (/*tx_ids:list*/%s)
      AND t.tx_time >= /*first*/%s
      AND t.tx_time <= /*last*/%s
),
/*include:features_windows*/
SELECT a.tx_id,
/*include:features_select*/
FROM a
