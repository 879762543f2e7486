-- name: records
-- The record fields (built-in, then the declared ones) and velocity of every transaction with
-- start <= tx_time < end, in the training rows' order. Velocity: the customer's swipes within
-- the window before it, itself included, as statements/scoring.sql's velocities counts them.
-- Every scan of transactions is bounded by constants on its sort key tx_time (zone maps).
-- Parameters: window seconds, start less the window, start, end.
SELECT s.tx_id, s.terminal_id, s.last4, s.merchant_category, s.channel, s.currency,
       s.terminal_x, s.terminal_y, COUNT(h.tx_id) AS velocity{own_staged:columns}
FROM {schema}.transactions s
JOIN {schema}.transactions h
  ON h.customer_id = s.customer_id
 AND h.tx_time <= s.tx_time
 AND EXTRACT(epoch FROM s.tx_time) - EXTRACT(epoch FROM h.tx_time) < %s
WHERE h.tx_time >= %s
  AND s.tx_time >= %s
  AND s.tx_time < %s
GROUP BY s.tx_id, s.tx_time, s.terminal_id, s.last4, s.merchant_category, s.channel,
         s.currency, s.terminal_x, s.terminal_y{own_staged:columns}
ORDER BY s.tx_time, s.tx_id
