-- name: records
-- The record fields and velocity of every transaction with start <= tx_time < end, in the
-- training rows' order. Velocity: the customer's swipes in (t - window, t], itself included,
-- counted as statements/scoring.sql's velocities counts them (an index range per transaction,
-- transactions_customer_time). Parameters: window seconds, start less the window, start, end.
WITH p AS (
    SELECT make_interval(secs => %s) AS win, %s::timestamptz AS since,
           %s::timestamptz AS start_at, %s::timestamptz AS end_at
),
w AS (
    SELECT t.tx_id, t.tx_time, t.terminal_id, t.last4, t.merchant_category, t.channel,
           t.currency, t.terminal_x, t.terminal_y,
           (SELECT count(*) FROM {schema}.transactions h
             WHERE h.customer_id = t.customer_id
               AND h.tx_time > t.tx_time - p.win AND h.tx_time <= t.tx_time
               AND h.tx_time >= p.since) AS velocity
    FROM p
    JOIN {schema}.transactions t ON t.tx_time >= p.start_at AND t.tx_time < p.end_at
)
SELECT tx_id, terminal_id, last4, merchant_category, channel, currency, terminal_x, terminal_y,
       velocity
FROM w
ORDER BY tx_time, tx_id
