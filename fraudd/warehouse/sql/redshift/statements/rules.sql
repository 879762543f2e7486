-- name: lock
-- Redshift's LOCK takes no mode: ACCESS EXCLUSIVE until the transaction ends, which is what
-- max + 1 needs (PRIMARY KEY is not enforced). Publications and activations are rare.
-- https://docs.aws.amazon.com/redshift/latest/dg/r_LOCK.html
LOCK {schema}.rule_set_versions

-- name: insert_results
-- The head of a multi-row INSERT (Redshift binds no arrays); fraudd.warehouse.rules adds one
-- insert_results_row per result, in chunks under the statement limit.
INSERT INTO {schema}.rule_results (tx_id, version, shadow, decision, matched) VALUES

-- name: insert_results_row
(%s, %s, %s, %s, %s)
