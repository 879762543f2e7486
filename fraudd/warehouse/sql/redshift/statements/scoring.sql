-- name: velocities
-- Swipes of each transaction's card within the window (itself included). Every scan of
-- transactions is bounded by constants on its sort key tx_time (the batch's range, less the
-- window), so zone maps prune the history. Parameters: window seconds, lowest tx_time less the
-- window, the batch's lowest and highest tx_time, then the tx_ids at /*ids*/.
SELECT t.tx_id, COUNT(h.tx_id) AS n
FROM {schema}.transactions t
JOIN {schema}.transactions h
  ON h.customer_id = t.customer_id
 AND h.tx_time <= t.tx_time
 AND EXTRACT(epoch FROM t.tx_time) - EXTRACT(epoch FROM h.tx_time) < %s
WHERE h.tx_time >= %s
  AND t.tx_time BETWEEN %s AND %s
  AND t.tx_id IN (/*ids*/)
GROUP BY t.tx_id
