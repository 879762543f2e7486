-- Features of every transaction with start <= tx_time < end, plus its label, for training and
-- evaluation (never for serving: the label column is not on the stream). Parameters: start, end
-- (bound at their /*name*/ markers by fraudd.warehouse.shared.features.bind).
-- Same definition as features_serving.sql (the final expressions are features_select.sql); here
-- the counts and sums come from window frames. Frames are inclusive at both ends, so "(t - n, t]"
-- is written "n - 1 microsecond PRECEDING" (timestamptz resolution). Offsets are in hours, not
-- days: timestamptz +/- days follows the session time zone's daylight-saving changes.
-- Terminal frauds (invariant 6): a fraud counts for a transaction at t only if its label was
-- known at t (labelled_at <= t): in the delayed window (t - 7d - n, t - 7d], and in the recent
-- window (t - 7d, t), where only some labels have arrived (they take 1 to 7 days). Frauds are
-- few, so they are joined per transaction (bounded by terminal and time) rather than framed:
-- that checks labelled_at against each t exactly, as the serving path does.
WITH p AS (
    SELECT /*start*/%s::timestamptz AS start_at, /*end*/%s::timestamptz AS end_at
),
tx AS (
    SELECT t.tx_id, t.tx_time, t.customer_id, t.terminal_id, t.card_token, t.amount
    FROM p
    JOIN {schema}.transactions t
      ON t.tx_time > p.start_at - interval '888 hours' AND t.tx_time < p.end_at
),
w AS (
    SELECT tx.*,
           count(*) OVER c1 AS c1_n, sum(amount) OVER c1 AS c1_sum,
           count(*) OVER c7 AS c7_n, sum(amount) OVER c7 AS c7_sum,
           count(*) OVER c30 AS c30_n, sum(amount) OVER c30 AS c30_sum,
           sum(amount * amount) OVER c30 AS c30_sumsq,
           count(*) OVER r1 AS tr1_n,
           count(*) OVER d1 AS td1_n,
           count(*) OVER d7 AS td7_n,
           count(*) OVER d30 AS td30_n
    FROM tx
    WINDOW
        -- "C" collation: partitions only need equality, and byte comparison sorts faster.
        cust AS (PARTITION BY customer_id COLLATE "C" ORDER BY tx_time),
        c1 AS (cust RANGE BETWEEN interval '24 hours' - interval '1 microsecond' PRECEDING
               AND CURRENT ROW),
        c7 AS (cust RANGE BETWEEN interval '168 hours' - interval '1 microsecond' PRECEDING
               AND CURRENT ROW),
        c30 AS (cust RANGE BETWEEN interval '720 hours' - interval '1 microsecond' PRECEDING
                AND CURRENT ROW),
        term AS (PARTITION BY terminal_id COLLATE "C" ORDER BY tx_time),
        r1 AS (term RANGE BETWEEN interval '24 hours' - interval '1 microsecond' PRECEDING
               AND CURRENT ROW),
        d1 AS (term RANGE BETWEEN interval '192 hours' - interval '1 microsecond' PRECEDING
               AND interval '168 hours' PRECEDING),
        d7 AS (term RANGE BETWEEN interval '336 hours' - interval '1 microsecond' PRECEDING
               AND interval '168 hours' PRECEDING),
        d30 AS (term RANGE BETWEEN interval '888 hours' - interval '1 microsecond' PRECEDING
                AND interval '168 hours' PRECEDING)
),
frauds AS (
    SELECT u.terminal_id, u.tx_time, l.labelled_at
    FROM p
    JOIN {schema}.transactions u
      ON u.tx_time > p.start_at - interval '888 hours'
     AND u.tx_time < p.end_at
    JOIN {schema}.labels l ON l.tx_id = u.tx_id
    WHERE l.is_fraud
),
known AS (
    SELECT b.tx_id,
           count(*) FILTER (WHERE f.tx_time > b.tx_time - interval '192 hours') AS f1,
           count(*) FILTER (WHERE f.tx_time > b.tx_time - interval '336 hours') AS f7,
           count(*) AS f30,
           min(f.tx_time) AS first_f,
           max(f.tx_time) AS last_f
    FROM p
    JOIN tx b ON b.tx_time >= p.start_at
    JOIN frauds f
      ON f.terminal_id = b.terminal_id
     AND f.tx_time > b.tx_time - interval '888 hours'
     AND f.tx_time <= b.tx_time - interval '168 hours'
     AND f.labelled_at <= b.tx_time
    GROUP BY b.tx_id
),
recent AS (
    -- strictly before t, as on the serving path: a transaction's own label never counts
    SELECT b.tx_id, count(*) AS f7, max(f.tx_time) AS last_f
    FROM p
    JOIN tx b ON b.tx_time >= p.start_at
    JOIN frauds f
      ON f.terminal_id = b.terminal_id
     AND f.tx_time > b.tx_time - interval '168 hours'
     AND f.tx_time < b.tx_time
     AND f.labelled_at <= b.tx_time
    GROUP BY b.tx_id
)
SELECT a.tx_id, a.tx_time, a.customer_id, a.card_token,
/*include:features_select*/
     , a.is_fraud
FROM (
    SELECT w.tx_id, w.tx_time, w.customer_id, w.card_token, w.amount,
           COALESCE(lb.is_fraud, false) AS is_fraud,
           w.c1_n, w.c1_sum, w.c7_n, w.c7_sum, w.c30_n, w.c30_sum, w.c30_sumsq, w.tr1_n,
           w.td1_n, COALESCE(k.f1, 0) AS td1_f,
           w.td7_n, COALESCE(k.f7, 0) AS td7_f,
           w.td30_n, COALESCE(k.f30, 0) AS td30_f,
           k.first_f AS td_first_f,
           k.last_f AS td_last_f,
           COALESCE(kr.f7, 0) AS tk7_f,
           kr.last_f AS tk_last_f
    FROM w
    CROSS JOIN p
    LEFT JOIN known k ON k.tx_id = w.tx_id
    LEFT JOIN recent kr ON kr.tx_id = w.tx_id
    LEFT JOIN {schema}.labels lb ON lb.tx_id = w.tx_id
    WHERE w.tx_time >= p.start_at
) a
ORDER BY a.tx_time, a.tx_id
