-- Features of a batch of transactions already inserted into {schema}.transactions (the consumer
-- runs this in the same database transaction as the insert). Parameters, bound at their /*name*/
-- markers: the tx_ids (text[]) and the batch's first and last tx_time.
-- Same definition as features_training.sql (final expressions: features_select.sql). Each
-- subquery is bounded by an index range (customer_id, tx_time) or (terminal_id, tx_time), so the
-- cost per batch depends on the batch and the windows, never on the size of the history.
-- Offsets in hours: timestamptz +/- days would follow the session time zone's DST changes.
-- Terminal frauds (invariant 6): labels of transactions in the delayed window (t - 7d - n, t - 7d]
-- that were known at t (labelled_at <= t); and, in the recent window (t - 7d, t), the frauds
-- whose label had already arrived by t (labels take 1 to 7 days).
-- Only fraud labels are joined (the others count like no label), so the lookups use the small
-- partial index labels_known_frauds (migration 0003); the results are the same. The recent
-- window is one more such pair of index-only scans, no new index: 74 -> 92 buffers per
-- transaction (EXPLAIN ANALYZE BUFFERS, batches of 1,000 on the reference history). It also
-- gives the terminal's last-day count, which had a scan of its own: the rows are bit-identical
-- and a batch reads slightly fewer buffers (255 -> 253 per transaction, a batch of 1,000 on the
-- tests' 60-day history).
SELECT a.tx_id,
/*include:features_select*/
FROM (
    SELECT b.tx_id, b.tx_time, b.amount,
           c.c1_n, c.c1_sum, c.c7_n, c.c7_sum, c.c30_n, c.c30_sum, c.c30_sumsq,
           k.tr1_n,
           d.td1_n, d.td1_f, d.td7_n, d.td7_f, d.td30_n, d.td30_f, d.td_first_f, d.td_last_f,
           k.tk7_f, k.tk_last_f
    FROM {schema}.transactions b
    CROSS JOIN LATERAL (
        SELECT count(*) FILTER (WHERE u.tx_time > b.tx_time - interval '24 hours') AS c1_n,
               sum(u.amount) FILTER (WHERE u.tx_time > b.tx_time - interval '24 hours')
                   AS c1_sum,
               count(*) FILTER (WHERE u.tx_time > b.tx_time - interval '168 hours') AS c7_n,
               sum(u.amount) FILTER (WHERE u.tx_time > b.tx_time - interval '168 hours')
                   AS c7_sum,
               count(*) AS c30_n,
               sum(u.amount) AS c30_sum,
               sum(u.amount * u.amount) AS c30_sumsq
        FROM {schema}.transactions u
        WHERE u.customer_id = b.customer_id
          AND u.tx_time > b.tx_time - interval '720 hours'
          AND u.tx_time <= b.tx_time
    ) c
    CROSS JOIN LATERAL (
        SELECT count(*) FILTER (WHERE u.tx_time > b.tx_time - interval '192 hours') AS td1_n,
               count(*) FILTER (WHERE u.tx_time > b.tx_time - interval '192 hours'
                                  AND l.is_fraud AND l.labelled_at <= b.tx_time) AS td1_f,
               count(*) FILTER (WHERE u.tx_time > b.tx_time - interval '336 hours') AS td7_n,
               count(*) FILTER (WHERE u.tx_time > b.tx_time - interval '336 hours'
                                  AND l.is_fraud AND l.labelled_at <= b.tx_time) AS td7_f,
               count(*) AS td30_n,
               count(*) FILTER (WHERE l.is_fraud AND l.labelled_at <= b.tx_time) AS td30_f,
               min(u.tx_time) FILTER (WHERE l.is_fraud AND l.labelled_at <= b.tx_time)
                   AS td_first_f,
               max(u.tx_time) FILTER (WHERE l.is_fraud AND l.labelled_at <= b.tx_time)
                   AS td_last_f
        FROM {schema}.transactions u
        LEFT JOIN {schema}.labels l ON l.tx_id = u.tx_id AND l.is_fraud
        WHERE u.terminal_id = b.terminal_id
          AND u.tx_time > b.tx_time - interval '888 hours'
          AND u.tx_time <= b.tx_time - interval '168 hours'
    ) d
    CROSS JOIN LATERAL (
        -- The terminal's recent week (t - 7d, t]: its count of the last day, and its frauds
        -- known by t strictly before t (a transaction's own label never feeds its features).
        SELECT count(*) FILTER (WHERE u.tx_time > b.tx_time - interval '24 hours') AS tr1_n,
               count(*) FILTER (WHERE u.tx_time < b.tx_time
                                  AND l.is_fraud AND l.labelled_at <= b.tx_time) AS tk7_f,
               max(u.tx_time) FILTER (WHERE u.tx_time < b.tx_time
                                        AND l.is_fraud AND l.labelled_at <= b.tx_time)
                   AS tk_last_f
        FROM {schema}.transactions u
        LEFT JOIN {schema}.labels l ON l.tx_id = u.tx_id AND l.is_fraud
        WHERE u.terminal_id = b.terminal_id
          AND u.tx_time > b.tx_time - interval '168 hours'
          AND u.tx_time <= b.tx_time
    ) k
    WHERE b.tx_id = ANY(/*tx_ids*/%s::text[])
      AND b.tx_time BETWEEN /*first*/%s AND /*last*/%s
) a
