-- Redshift: features of a batch of transactions already inserted into {schema}.transactions
-- (the consumer runs it in the same transaction as the insert). Parameters, bound by name at
-- their /*name*/ markers (fraudd.warehouse.shared.features.bind): the tx_ids (one placeholder
-- each), the batch's first and last tx_time, and scan_from = first - FEATURE_LOOKBACK.
-- Every scan of transactions is bounded by constants on its sort key tx_time: zone maps prune
-- only on such predicates (https://docs.aws.amazon.com/redshift/latest/dg/t_Sorting_data.html),
-- so "tx_id IN (...)" or a join on b.tx_time alone would read the whole table every batch.
-- Same definition as features_training.sql (final expressions: features_select.sql): bounded
-- self-joins per window, so the work depends on the batch and the windows, not on history size.
WITH b AS (
    SELECT t.tx_id, t.tx_time, t.customer_id, t.terminal_id, t.card_token, t.amount
    FROM {schema}.transactions t
    WHERE t.tx_id IN (/*tx_ids:list*/%s)
      AND t.tx_time >= /*first*/%s
      AND t.tx_time <= /*last*/%s
),
c AS (
    -- The card's transactions in (t - 30d, t], the transaction itself included.
    SELECT b.tx_id,
           SUM(CASE WHEN u.tx_time > b.tx_time - interval '24 hours' THEN 1 ELSE 0 END) AS c1_n,
           SUM(CASE WHEN u.tx_time > b.tx_time - interval '24 hours' THEN u.amount END)
               AS c1_sum,
           SUM(CASE WHEN u.tx_time > b.tx_time - interval '168 hours' THEN 1 ELSE 0 END)
               AS c7_n,
           SUM(CASE WHEN u.tx_time > b.tx_time - interval '168 hours' THEN u.amount END)
               AS c7_sum,
           COUNT(u.tx_id) AS c30_n,
           SUM(u.amount) AS c30_sum,
           SUM(u.amount * u.amount) AS c30_sumsq
    FROM b
    LEFT JOIN {schema}.transactions u
      ON u.customer_id = b.customer_id
     AND u.tx_time > /*scan_from*/%s AND u.tx_time <= /*last*/%s
     AND u.tx_time > b.tx_time - interval '720 hours'
     AND u.tx_time <= b.tx_time
    GROUP BY b.tx_id
),
r AS (
    -- The terminal's transactions in (t - 1d, t]: no label needed.
    SELECT b.tx_id, COUNT(u.tx_id) AS tr1_n
    FROM b
    LEFT JOIN {schema}.transactions u
      ON u.terminal_id = b.terminal_id
     AND u.tx_time > /*scan_from*/%s AND u.tx_time <= /*last*/%s
     AND u.tx_time > b.tx_time - interval '24 hours'
     AND u.tx_time <= b.tx_time
    GROUP BY b.tx_id
),
d AS (
    -- The terminal's delayed window (t - 37d, t - 7d]; a fraud counts once labelled by t.
    SELECT b.tx_id,
           SUM(CASE WHEN u.tx_time > b.tx_time - interval '192 hours' THEN 1 ELSE 0 END)
               AS td1_n,
           SUM(CASE WHEN u.tx_time > b.tx_time - interval '192 hours' AND l.is_fraud
                         AND l.labelled_at <= b.tx_time THEN 1 ELSE 0 END) AS td1_f,
           SUM(CASE WHEN u.tx_time > b.tx_time - interval '336 hours' THEN 1 ELSE 0 END)
               AS td7_n,
           SUM(CASE WHEN u.tx_time > b.tx_time - interval '336 hours' AND l.is_fraud
                         AND l.labelled_at <= b.tx_time THEN 1 ELSE 0 END) AS td7_f,
           COUNT(u.tx_id) AS td30_n,
           SUM(CASE WHEN l.is_fraud AND l.labelled_at <= b.tx_time THEN 1 ELSE 0 END) AS td30_f,
           MIN(CASE WHEN l.is_fraud AND l.labelled_at <= b.tx_time THEN u.tx_time END)
               AS td_first_f,
           MAX(CASE WHEN l.is_fraud AND l.labelled_at <= b.tx_time THEN u.tx_time END)
               AS td_last_f
    FROM b
    LEFT JOIN {schema}.transactions u
      ON u.terminal_id = b.terminal_id
     AND u.tx_time > /*scan_from*/%s AND u.tx_time <= /*last*/%s
     AND u.tx_time > b.tx_time - interval '888 hours'
     AND u.tx_time <= b.tx_time - interval '168 hours'
    LEFT JOIN {schema}.labels l ON l.tx_id = u.tx_id
    GROUP BY b.tx_id
),
k AS (
    -- The terminal's recent window (t - 7d, t): frauds whose label had arrived by t. Strictly
    -- before t: a transaction's own label never feeds its features.
    SELECT b.tx_id,
           SUM(CASE WHEN l.is_fraud AND l.labelled_at <= b.tx_time THEN 1 ELSE 0 END) AS tk7_f,
           MAX(CASE WHEN l.is_fraud AND l.labelled_at <= b.tx_time THEN u.tx_time END)
               AS tk_last_f
    FROM b
    LEFT JOIN {schema}.transactions u
      ON u.terminal_id = b.terminal_id
     AND u.tx_time > /*scan_from*/%s AND u.tx_time <= /*last*/%s
     AND u.tx_time > b.tx_time - interval '168 hours'
     AND u.tx_time < b.tx_time
    LEFT JOIN {schema}.labels l ON l.tx_id = u.tx_id
    GROUP BY b.tx_id
)
SELECT a.tx_id,
/*features_select*/
FROM (
    SELECT b.tx_id, b.tx_time, b.customer_id, b.card_token, b.amount,
           c.c1_n, c.c1_sum, c.c7_n, c.c7_sum, c.c30_n, c.c30_sum, c.c30_sumsq, r.tr1_n,
           d.td1_n, COALESCE(d.td1_f, 0) AS td1_f, d.td7_n, COALESCE(d.td7_f, 0) AS td7_f,
           d.td30_n, COALESCE(d.td30_f, 0) AS td30_f, d.td_first_f, d.td_last_f,
           COALESCE(k.tk7_f, 0) AS tk7_f, k.tk_last_f
    FROM b
    JOIN c ON c.tx_id = b.tx_id
    JOIN r ON r.tx_id = b.tx_id
    JOIN d ON d.tx_id = b.tx_id
    JOIN k ON k.tx_id = b.tx_id
) a
