-- name: lock
-- Redshift's LOCK takes no mode: ACCESS EXCLUSIVE until the transaction ends, which is what
-- max + 1 needs (PRIMARY KEY is not enforced). Publications and activations are rare. Every
-- writer of the area takes it on the drafts (which the console's user may rewrite: grants.sql),
-- so the consumers' reads of the versions and activations never wait for a publication.
-- https://docs.aws.amazon.com/redshift/latest/dg/r_LOCK.html
LOCK {schema}.rule_set_drafts

-- name: insert_results
-- The head of a multi-row INSERT (Redshift binds no arrays); fraudd.warehouse.rules adds one
-- insert_results_row per result, in chunks under the statement limit.
INSERT INTO {schema}.rule_results (tx_id, version, shadow, decision, matched, lists_revision)
VALUES

-- name: insert_results_row
(%s, %s, %s, %s, %s, %s)
