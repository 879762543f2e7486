-- Labels, Redshift form: staged, then inserted where the tx_id has no label yet (the key is
-- not enforced; the first row per tx_id of the batch wins).

-- name: stage_labels
-- A label (fraudd.columns.LABEL) after its position in the batch.
CREATE TEMP TABLE IF NOT EXISTS fraudd_stage_labels (ord INTEGER, {label_ddl:columns})

-- name: insert_labels
INSERT INTO {schema}.labels (tx_id, is_fraud, labelled_at, fraud_scenario, source)
SELECT f.tx_id, f.is_fraud, f.labelled_at, f.fraud_scenario, CAST(%s AS VARCHAR(16))
FROM (SELECT s.*, ROW_NUMBER() OVER (PARTITION BY s.tx_id ORDER BY s.ord) AS rn
      FROM fraudd_stage_labels s) f
WHERE f.rn = 1
  AND NOT EXISTS (SELECT 1 FROM {schema}.labels l WHERE l.tx_id = f.tx_id)
