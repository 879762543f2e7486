-- End-to-end latency of a run's decisions (decided_at - produced_at) in ms: p50, p95, p99, max.
-- Owner: RunFigures.latency.
SELECT
  percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - produced_at) * 1000) AS p50,
  percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - produced_at) * 1000) AS p95,
  percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - produced_at) * 1000) AS p99,
  max(extract(epoch FROM decided_at - produced_at) * 1000) AS max_ms
FROM {schema}.decisions WHERE produced_at >= %s
