-- End-to-end latency of a run's decisions in ms: p50, p95, p99, max. Owner: RunFigures.latency.
-- PERCENTILE_CONT is an aggregate in Redshift; several calls in one statement must share one
-- ORDER BY expression, as here (https://docs.aws.amazon.com/redshift/latest/dg/r_PERCENTILE_CONT.html).
-- DATEDIFF with the microsecond date part gives the interval as a BIGINT
-- (https://docs.aws.amazon.com/redshift/latest/dg/r_DATEDIFF_function.html).
SELECT
  PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY DATEDIFF(microsecond, produced_at, decided_at) / 1000.0) AS p50,
  PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY DATEDIFF(microsecond, produced_at, decided_at) / 1000.0) AS p95,
  PERCENTILE_CONT(0.99) WITHIN GROUP (ORDER BY DATEDIFF(microsecond, produced_at, decided_at) / 1000.0) AS p99,
  MAX(DATEDIFF(microsecond, produced_at, decided_at) / 1000.0) AS max_ms
FROM {schema}.decisions WHERE produced_at >= %s
