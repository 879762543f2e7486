-- name: records
-- The record fields and velocity of every transaction with start <= tx_time < end, in the
-- training rows' order. Velocity: the customer's swipes within the window before it, itself
-- included, as statements/scoring.sql's velocities counts them. Every scan of transactions is
-- bounded by constants on its sort key tx_time (zone maps). Parameters: window seconds, start
-- less the window, start, end.
SELECT t.tx_id, t.terminal_id, t.last4, t.merchant_category, t.channel, t.currency,
       t.terminal_x, t.terminal_y, COUNT(h.tx_id) AS velocity
FROM {schema}.transactions t
JOIN {schema}.transactions h
  ON h.customer_id = t.customer_id
 AND h.tx_time <= t.tx_time
 AND EXTRACT(epoch FROM t.tx_time) - EXTRACT(epoch FROM h.tx_time) < %s
WHERE h.tx_time >= %s
  AND t.tx_time >= %s
  AND t.tx_time < %s
GROUP BY t.tx_id, t.tx_time, t.terminal_id, t.last4, t.merchant_category, t.channel,
         t.currency, t.terminal_x, t.terminal_y
ORDER BY t.tx_time, t.tx_id
