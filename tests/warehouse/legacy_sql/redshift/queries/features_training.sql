-- Redshift: features of every transaction with start <= tx_time < end, plus its label, for
-- training and evaluation. Parameters, bound by name at their /*name*/ markers
-- (fraudd.warehouse.shared.features.bind): start, end, and the scan bounds of
-- features_windows.sql (scan_from = start - FEATURE_LOOKBACK, scan_to = end).
-- Same definition as the serving query: the aggregates are features_windows.sql, the final
-- expressions features_select.sql. It also runs on PostgreSQL, where the tests check that it
-- gives the PostgreSQL definition's values.
WITH b AS (
    SELECT t.tx_id, t.tx_time, t.customer_id, t.terminal_id, t.card_token, t.amount
    FROM {schema}.transactions t
    WHERE t.tx_time >= /*start*/%s
      AND t.tx_time < /*end*/%s
),
/*include:features_windows*/
SELECT a.tx_id, a.tx_time, a.customer_id, a.card_token,
/*include:features_select*/
     , COALESCE(lb.is_fraud, false) AS is_fraud
FROM a
LEFT JOIN {schema}.labels lb ON lb.tx_id = a.tx_id
ORDER BY a.tx_time, a.tx_id
