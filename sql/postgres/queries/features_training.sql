-- Features of every transaction with start <= tx_time < end, plus its label, for training and
-- evaluation (never for serving: the label column is not on the stream).
-- Parameters, in order: start, end.
-- Same definition as features_serving.sql (the final expressions are features_select.sql); the
-- aggregates come from window frames here. Frames are inclusive at both ends, so "(t - n, t]" is
-- written "n - 1 microsecond PRECEDING" (timestamptz resolution). Offsets are in hours, not days:
-- timestamptz +/- days follows the session time zone's daylight-saving changes.
-- Terminal frauds (invariant 6): only frauds on transactions in the delayed window
-- (t - 7d - n, t - 7d] whose label was known at t (labelled_at <= t). A label that came within
-- 7 days of its transaction is known at t by construction and is counted by the window frames;
-- the rare later labels are counted by the `late` join, which checks labelled_at <= t per row.
WITH p AS (
    SELECT %s::timestamptz AS start_at, %s::timestamptz AS end_at
),
tx AS (
    SELECT t.tx_id, t.tx_time, t.customer_id, t.terminal_id, t.card_token, t.amount,
           CASE WHEN l.is_fraud AND l.labelled_at <= t.tx_time + interval '168 hours'
                THEN 1 ELSE 0 END AS timely_fraud,
           COALESCE(l.is_fraud, false) AS is_fraud
    FROM p
    JOIN {schema}.transactions t
      ON t.tx_time > p.start_at - interval '888 hours' AND t.tx_time < p.end_at
    LEFT JOIN {schema}.labels l ON l.tx_id = t.tx_id
),
w AS (
    SELECT tx.*,
           count(*) OVER c1 AS c1_n, sum(amount) OVER c1 AS c1_sum,
           count(*) OVER c7 AS c7_n, sum(amount) OVER c7 AS c7_sum,
           count(*) OVER c30 AS c30_n, sum(amount) OVER c30 AS c30_sum,
           sum(amount * amount) OVER c30 AS c30_sumsq,
           count(*) OVER r1 AS tr1_n,
           count(*) OVER d1 AS td1_n,
           COALESCE(sum(timely_fraud) OVER d1, 0) AS td1_f,
           count(*) OVER d7 AS td7_n,
           COALESCE(sum(timely_fraud) OVER d7, 0) AS td7_f,
           count(*) OVER d30 AS td30_n,
           COALESCE(sum(timely_fraud) OVER d30, 0) AS td30_f,
           min(CASE WHEN timely_fraud = 1 THEN tx_time END) OVER d30 AS td_first_f,
           max(CASE WHEN timely_fraud = 1 THEN tx_time END) OVER d30 AS td_last_f
    FROM tx
    WINDOW
        cust AS (PARTITION BY customer_id ORDER BY tx_time),
        c1 AS (cust RANGE BETWEEN interval '24 hours' - interval '1 microsecond' PRECEDING
               AND CURRENT ROW),
        c7 AS (cust RANGE BETWEEN interval '168 hours' - interval '1 microsecond' PRECEDING
               AND CURRENT ROW),
        c30 AS (cust RANGE BETWEEN interval '720 hours' - interval '1 microsecond' PRECEDING
                AND CURRENT ROW),
        term AS (PARTITION BY terminal_id ORDER BY tx_time),
        r1 AS (term RANGE BETWEEN interval '24 hours' - interval '1 microsecond' PRECEDING
               AND CURRENT ROW),
        d1 AS (term RANGE BETWEEN interval '192 hours' - interval '1 microsecond' PRECEDING
               AND interval '168 hours' PRECEDING),
        d7 AS (term RANGE BETWEEN interval '336 hours' - interval '1 microsecond' PRECEDING
               AND interval '168 hours' PRECEDING),
        d30 AS (term RANGE BETWEEN interval '888 hours' - interval '1 microsecond' PRECEDING
                AND interval '168 hours' PRECEDING)
),
late AS (
    SELECT u.terminal_id, u.tx_time, l.labelled_at
    FROM p
    JOIN {schema}.transactions u
      ON u.tx_time > p.start_at - interval '888 hours'
     AND u.tx_time < p.end_at - interval '168 hours'
    JOIN {schema}.labels l ON l.tx_id = u.tx_id
    WHERE l.is_fraud AND l.labelled_at > u.tx_time + interval '168 hours'
),
late_agg AS (
    SELECT b.tx_id,
           count(*) FILTER (WHERE lt.tx_time > b.tx_time - interval '192 hours') AS f1,
           count(*) FILTER (WHERE lt.tx_time > b.tx_time - interval '336 hours') AS f7,
           count(*) AS f30,
           min(lt.tx_time) AS first_f,
           max(lt.tx_time) AS last_f
    FROM tx b
    JOIN late lt
      ON lt.terminal_id = b.terminal_id
     AND lt.tx_time > b.tx_time - interval '888 hours'
     AND lt.tx_time <= b.tx_time - interval '168 hours'
     AND lt.labelled_at <= b.tx_time
    GROUP BY b.tx_id
)
SELECT a.tx_id, a.tx_time, a.customer_id, a.card_token,
/*features_select*/
     , a.is_fraud
FROM (
    SELECT w.tx_id, w.tx_time, w.customer_id, w.card_token, w.amount, w.is_fraud,
           w.c1_n, w.c1_sum, w.c7_n, w.c7_sum, w.c30_n, w.c30_sum, w.c30_sumsq, w.tr1_n,
           w.td1_n, w.td1_f + COALESCE(la.f1, 0) AS td1_f,
           w.td7_n, w.td7_f + COALESCE(la.f7, 0) AS td7_f,
           w.td30_n, w.td30_f + COALESCE(la.f30, 0) AS td30_f,
           LEAST(w.td_first_f, la.first_f) AS td_first_f,
           GREATEST(w.td_last_f, la.last_f) AS td_last_f
    FROM w
    CROSS JOIN p
    LEFT JOIN late_agg la ON la.tx_id = w.tx_id
    WHERE w.tx_time >= p.start_at
) a
ORDER BY a.tx_time, a.tx_id
