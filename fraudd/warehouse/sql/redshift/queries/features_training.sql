-- Redshift: features of every transaction with start <= tx_time < end, plus its label, for
-- training and evaluation. Parameters, bound by name at their /*name*/ markers
-- (fraudd.warehouse.shared.features.bind): start, end, and scan_from = start - FEATURE_LOOKBACK.
-- Same definition as the PostgreSQL files (features_select.sql holds the final expressions).
-- Redshift has no RANGE frames with interval offsets, so each window is a self-join bounded by
-- time; each scan also has constant bounds on the sort key tx_time, the only predicates zone
-- maps prune on (https://docs.aws.amazon.com/redshift/latest/dg/t_Sorting_data.html). It also runs on
-- PostgreSQL, where the tests check that it gives the PostgreSQL definition's values.
-- Offsets in hours (a timestamptz +/- days may follow a session time zone's DST changes).
WITH b AS (
    SELECT t.tx_id, t.tx_time, t.customer_id, t.terminal_id, t.card_token, t.amount
    FROM {schema}.transactions t
    WHERE t.tx_time >= /*start*/%s
      AND t.tx_time < /*end*/%s
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
     AND u.tx_time > /*scan_from*/%s AND u.tx_time < /*end*/%s
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
     AND u.tx_time > /*scan_from*/%s AND u.tx_time < /*end*/%s
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
     AND u.tx_time > /*scan_from*/%s AND u.tx_time < /*end*/%s
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
     AND u.tx_time > /*scan_from*/%s AND u.tx_time < /*end*/%s
     AND u.tx_time > b.tx_time - interval '168 hours'
     AND u.tx_time < b.tx_time
    LEFT JOIN {schema}.labels l ON l.tx_id = u.tx_id
    GROUP BY b.tx_id
)
SELECT a.tx_id, a.tx_time, a.customer_id, a.card_token,
/*features_select*/
     , a.is_fraud
FROM (
    SELECT b.tx_id, b.tx_time, b.customer_id, b.card_token, b.amount,
           c.c1_n, c.c1_sum, c.c7_n, c.c7_sum, c.c30_n, c.c30_sum, c.c30_sumsq, r.tr1_n,
           d.td1_n, COALESCE(d.td1_f, 0) AS td1_f, d.td7_n, COALESCE(d.td7_f, 0) AS td7_f,
           d.td30_n, COALESCE(d.td30_f, 0) AS td30_f, d.td_first_f, d.td_last_f,
           COALESCE(k.tk7_f, 0) AS tk7_f, k.tk_last_f,
           COALESCE(lb.is_fraud, false) AS is_fraud
    FROM b
    JOIN c ON c.tx_id = b.tx_id
    JOIN r ON r.tx_id = b.tx_id
    JOIN d ON d.tx_id = b.tx_id
    JOIN k ON k.tx_id = b.tx_id
    LEFT JOIN {schema}.labels lb ON lb.tx_id = b.tx_id
) a
ORDER BY a.tx_time, a.tx_id
