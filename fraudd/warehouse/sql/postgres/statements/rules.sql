-- name: lock
-- Serialises publications and activations (max + 1, the newest activation is the state);
-- readers, the consumer among them, go on. Taken on the drafts, which every writer of the area
-- may rewrite (the console's user may not update a version: Redshift's grants.sql).
LOCK TABLE {schema}.rule_set_drafts IN SHARE ROW EXCLUSIVE MODE

-- name: insert_results
-- One batch's rule results as arrays: tx_id, version, shadow, decision, matched,
-- lists_revision.
INSERT INTO {schema}.rule_results (tx_id, version, shadow, decision, matched, lists_revision)
SELECT * FROM unnest(%b::text[], %b::int4[], %b::bool[], %b::text[], %b::text[], %b::int4[])
