-- REFERENCE PATTERN, written by us for the benchmark. This is NOT how fraudd computes features.
--
-- It reproduces, on fraudd's PostgreSQL tables, the query pattern of the public reference
-- implementation's prediction view (see DESIGN.md §7). On every poll that view:
--   * reads the whole streaming view: there is no watermark, every past row comes back again;
--   * recomputes 37 days of per-customer and per-terminal aggregates for ALL customers and
--     terminals, from the stream and the history, with calendar-day windows relative to the
--     query time (casts to date: no index can bound them, the history is scanned);
--   * joins the stream's rows to those aggregates (inner joins).
-- Its feature definitions (sums where counts are meant, integer-division risk, a weekend flag
-- on day-of-week 1 and 7, ...) are kept as the pattern has them: only the cost is compared.
-- The model call is left out, as it is on fraudd's side of the comparison.
--
-- Parameters: %(now)s stands for the query time (the pattern uses getdate(); the benchmark's
-- histories are simulated in the past, so the newest transaction's time stands in for it).
-- {schema}: fraudd's schema. {stream}: the relation holding the streaming view's rows.
WITH stream AS (
    SELECT j ->> 'tx_id' AS tx_id,
           (j ->> 'tx_time')::timestamptz AS tx_time,
           j ->> 'customer_id' AS customer_id,
           j ->> 'terminal_id' AS terminal_id,
           (j ->> 'amount')::numeric AS amount
    FROM {stream} r
    CROSS JOIN LATERAL (SELECT convert_from(r.kinesis_data, 'UTF8')::jsonb AS j) parsed
),
window_days AS (
    SELECT CAST(%(now)s AS date) AS today
),
recent_history AS (
    SELECT t.tx_id, t.customer_id, t.terminal_id, t.amount, t.tx_time
    FROM {schema}.transactions t, window_days w
    WHERE t.source = 'history'
      AND CAST(t.tx_time AS date) BETWEEN w.today - 37 AND w.today
),
customer_rows AS (
    SELECT s.customer_id, s.terminal_id, s.amount, s.tx_time
    FROM stream s, window_days w
    WHERE CAST(s.tx_time AS date) BETWEEN w.today - 37 AND w.today
    UNION
    SELECT h.customer_id, h.terminal_id, h.amount, h.tx_time FROM recent_history h
),
customer_agg AS (
    SELECT c.customer_id,
           sum(CASE WHEN CAST(c.tx_time AS date) = w.today THEN c.amount ELSE 0 END) AS c_nb_1d,
           avg(CASE WHEN CAST(c.tx_time AS date) = w.today THEN c.amount ELSE 0 END) AS c_avg_1d,
           sum(CASE WHEN CAST(c.tx_time AS date) BETWEEN w.today - 7 AND w.today
                    THEN c.amount ELSE 0 END) AS c_nb_7d,
           avg(CASE WHEN CAST(c.tx_time AS date) BETWEEN w.today - 7 AND w.today
                    THEN c.amount ELSE 0 END) AS c_avg_7d,
           sum(CASE WHEN CAST(c.tx_time AS date) BETWEEN w.today - 30 AND w.today
                    THEN c.amount ELSE 0 END) AS c_nb_30d,
           avg(CASE WHEN CAST(c.tx_time AS date) BETWEEN w.today - 30 AND w.today
                    THEN c.amount ELSE 0 END) AS c_avg_30d
    FROM customer_rows c, window_days w
    GROUP BY c.customer_id
),
terminal_rows AS (
    SELECT s.terminal_id, s.tx_time, 0 AS tx_fraud
    FROM stream s, window_days w
    WHERE CAST(s.tx_time AS date) BETWEEN w.today - 37 AND w.today
    UNION ALL
    SELECT h.terminal_id, h.tx_time, CASE WHEN l.is_fraud THEN 1 ELSE 0 END
    FROM recent_history h
    LEFT JOIN {schema}.labels l ON l.tx_id = h.tx_id
),
terminal_sums AS (
    SELECT r.terminal_id,
           sum(CASE WHEN d BETWEEN w.today - 7 AND w.today THEN r.tx_fraud ELSE 0 END) AS f_delay,
           sum(CASE WHEN d BETWEEN w.today - 7 AND w.today THEN 1 ELSE 0 END) AS n_delay,
           sum(CASE WHEN d BETWEEN w.today - 8 AND w.today THEN r.tx_fraud ELSE 0 END) AS f_1,
           sum(CASE WHEN d BETWEEN w.today - 8 AND w.today THEN 1 ELSE 0 END) AS n_1,
           sum(CASE WHEN d BETWEEN w.today - 14 AND w.today THEN r.tx_fraud ELSE 0 END) AS f_7,
           sum(CASE WHEN d BETWEEN w.today - 14 AND w.today THEN 1 ELSE 0 END) AS n_7,
           sum(CASE WHEN d BETWEEN w.today - 37 AND w.today THEN r.tx_fraud ELSE 0 END) AS f_30,
           sum(CASE WHEN d BETWEEN w.today - 37 AND w.today THEN 1 ELSE 0 END) AS n_30
    FROM (SELECT t.*, CAST(t.tx_time AS date) AS d FROM terminal_rows t) r, window_days w
    GROUP BY r.terminal_id
),
terminal_agg AS (
    SELECT terminal_id,
           n_1 - n_delay AS t_nb_1d,
           CASE WHEN n_1 - n_delay = 0 THEN 0
                ELSE (f_1 - f_delay)::int / (n_1 - n_delay)::int END AS t_risk_1d,
           n_7 - n_delay AS t_nb_7d,
           CASE WHEN n_7 - n_delay = 0 THEN 0
                ELSE (f_7 - f_delay)::int / (n_7 - n_delay)::int END AS t_risk_7d,
           n_30 - n_delay AS t_nb_30d,
           CASE WHEN n_30 - n_delay = 0 THEN 0
                ELSE (f_30 - f_delay)::int / (n_30 - n_delay)::int END AS t_risk_30d
    FROM terminal_sums
)
SELECT s.tx_id, s.amount,
       CASE WHEN extract(dow FROM s.tx_time) IN (1, 7) THEN 1 ELSE 0 END AS weekend,
       CASE WHEN extract(hour FROM s.tx_time) BETWEEN 0 AND 6 THEN 1 ELSE 0 END AS night,
       c.c_nb_1d, c.c_avg_1d, c.c_nb_7d, c.c_avg_7d, c.c_nb_30d, c.c_avg_30d,
       t.t_nb_1d, t.t_risk_1d, t.t_nb_7d, t.t_risk_7d, t.t_nb_30d, t.t_risk_30d
FROM stream s
JOIN terminal_agg t ON t.terminal_id = s.terminal_id
JOIN customer_agg c ON c.customer_id = s.customer_id
