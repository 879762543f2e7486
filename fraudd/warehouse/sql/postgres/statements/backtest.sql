-- name: records
-- The record fields (built-in, then the declared ones) and velocity of every transaction with
-- start <= tx_time < end, in the training rows' order. Velocity: the customer's swipes in
-- (t - window, t], itself included, counted as statements/scoring.sql's velocities counts them
-- (an index range per transaction, transactions_customer_time). Parameters: window seconds,
-- start less the window, start, end.
WITH p AS (
    SELECT make_interval(secs => %s) AS win, %s::timestamptz AS since,
           %s::timestamptz AS start_at, %s::timestamptz AS end_at
),
w AS (
    SELECT s.tx_id, s.tx_time, s.terminal_id, s.last4, s.merchant_category, s.channel,
           s.currency, s.terminal_x, s.terminal_y{own_staged:columns},
           (SELECT count(*) FROM {schema}.transactions h
             WHERE h.customer_id = s.customer_id
               AND h.tx_time > s.tx_time - p.win AND h.tx_time <= s.tx_time
               AND h.tx_time >= p.since) AS velocity
    FROM p
    JOIN {schema}.transactions s ON s.tx_time >= p.start_at AND s.tx_time < p.end_at
)
SELECT tx_id, terminal_id, last4, merchant_category, channel, currency, terminal_x, terminal_y,
       velocity{own_names:columns}
FROM w
ORDER BY tx_time, tx_id
