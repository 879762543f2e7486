-- A run's row counts: every bound value is the run's start (the demo's; bench can use the same).
-- Owner: fraudd.warehouse.api.figures (RunFigures.counts).
SELECT
  (SELECT count(*) FROM {schema}.{view} WHERE approximate_arrival_timestamp >= %s) AS in_stream,
  (SELECT count(*) FROM {schema}.decisions WHERE produced_at >= %s) AS decided,
  (SELECT count(*) FROM {schema}.dead_letters WHERE received_at >= %s) AS dead_lettered,
  (SELECT count(*) FROM {schema}.alert_outbox WHERE created_at >= %s) AS alerts,
  (SELECT count(*) FROM {schema}.alert_outbox WHERE created_at >= %s
      AND published_at IS NOT NULL) AS alerts_published,
  (SELECT count(*) FROM {schema}.card_blocks WHERE blocked_at >= %s) AS cards_blocked,
  (SELECT count(*) FROM {schema}.decisions WHERE produced_at >= %s
      AND decision = 'block') AS blocks_decided
