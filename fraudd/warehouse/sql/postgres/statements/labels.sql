-- name: insert_labels
INSERT INTO {schema}.labels (tx_id, is_fraud, labelled_at, fraud_scenario, source)
SELECT *, %s FROM unnest(%b::text[], %b::bool[], %b::timestamptz[], %b::int2[])
ON CONFLICT (tx_id) DO NOTHING
