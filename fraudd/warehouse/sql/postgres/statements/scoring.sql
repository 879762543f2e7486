-- name: velocities
SELECT t.tx_id, (
    SELECT count(*) FROM {schema}.transactions h
    WHERE h.customer_id = t.customer_id
      AND h.tx_time > t.tx_time - make_interval(secs => %s) AND h.tx_time <= t.tx_time
) AS n
FROM {schema}.transactions t WHERE t.tx_id = ANY(%s::text[])
