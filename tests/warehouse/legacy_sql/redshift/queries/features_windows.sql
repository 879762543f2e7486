-- Redshift: the per-transaction aggregates `a` that features_select.sql turns into features, for
-- the transactions of a CTE `b` (tx_id, tx_time, customer_id, terminal_id, card_token, amount)
-- that the including query (features_serving.sql, features_training.sql) defines first.
-- Redshift has no RANGE frames with interval offsets, so each window is a self-join bounded by
-- time. Offsets in hours (a timestamptz +/- days may follow a session time zone's DST changes).
-- Parameters: scan_from = the first b.tx_time - FEATURE_LOOKBACK and scan_to >= the last
-- b.tx_time. They bound the one scan of transactions (`u`) by constants on its sort key tx_time,
-- the only predicates zone maps prune on
-- (https://docs.aws.amazon.com/redshift/latest/dg/t_Sorting_data.html); every window also bounds
-- u.tx_time by b.tx_time inside them, so they decide what is read, never what is computed.
u AS (
    SELECT s.tx_id, s.tx_time, s.customer_id, s.terminal_id, s.amount
    FROM {schema}.transactions s
    WHERE s.tx_time > /*scan_from*/%s AND s.tx_time <= /*scan_to*/%s
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
    LEFT JOIN u
      ON u.customer_id = b.customer_id
     AND u.tx_time > b.tx_time - interval '720 hours'
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
    LEFT JOIN u
      ON u.terminal_id = b.terminal_id
     AND u.tx_time > b.tx_time - interval '888 hours'
     AND u.tx_time <= b.tx_time - interval '168 hours'
    LEFT JOIN {schema}.labels l ON l.tx_id = u.tx_id
    GROUP BY b.tx_id
),
k AS (
    -- The terminal's recent week (t - 7d, t]: its count of the last day (no label needed), and
    -- the frauds whose label had arrived by t, strictly before t: a transaction's own label
    -- never feeds its features.
    SELECT b.tx_id,
           SUM(CASE WHEN u.tx_time > b.tx_time - interval '24 hours' THEN 1 ELSE 0 END)
               AS tr1_n,
           SUM(CASE WHEN u.tx_time < b.tx_time AND l.is_fraud
                         AND l.labelled_at <= b.tx_time THEN 1 ELSE 0 END) AS tk7_f,
           MAX(CASE WHEN u.tx_time < b.tx_time AND l.is_fraud
                         AND l.labelled_at <= b.tx_time THEN u.tx_time END) AS tk_last_f
    FROM b
    LEFT JOIN u
      ON u.terminal_id = b.terminal_id
     AND u.tx_time > b.tx_time - interval '168 hours'
     AND u.tx_time <= b.tx_time
    LEFT JOIN {schema}.labels l ON l.tx_id = u.tx_id
    GROUP BY b.tx_id
),
a AS (
    SELECT b.tx_id, b.tx_time, b.customer_id, b.card_token, b.amount,
           c.c1_n, c.c1_sum, c.c7_n, c.c7_sum, c.c30_n, c.c30_sum, c.c30_sumsq, k.tr1_n,
           d.td1_n, COALESCE(d.td1_f, 0) AS td1_f, d.td7_n, COALESCE(d.td7_f, 0) AS td7_f,
           d.td30_n, COALESCE(d.td30_f, 0) AS td30_f, d.td_first_f, d.td_last_f,
           COALESCE(k.tk7_f, 0) AS tk7_f, k.tk_last_f
    FROM b
    JOIN c ON c.tx_id = b.tx_id
    JOIN d ON d.tx_id = b.tx_id
    JOIN k ON k.tx_id = b.tx_id
)
