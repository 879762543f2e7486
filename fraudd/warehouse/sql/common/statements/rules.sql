-- The rule sets (fraudd.warehouse.rules). The lock and the insert of rule results differ by
-- dialect (postgres/statements/rules.sql, redshift/statements/rules.sql). No statement here
-- updates or deletes a published version or an activation: both tables only grow.

-- name: next_version
SELECT COALESCE(MAX(version), 0) + 1 FROM {schema}.rule_set_versions

-- name: insert_version
-- Parameters: version, body, checksum, published_at, published_by, note.
INSERT INTO {schema}.rule_set_versions (version, body, checksum, published_at, published_by, note)
VALUES (%s, %s, %s, %s, %s, %s)

-- name: next_activation
SELECT COALESCE(MAX(seq), 0) + 1 FROM {schema}.rule_set_activations

-- name: insert_activation
-- Parameters: seq, role, version (NULL: a shadow run stopped), activated_at, activated_by.
INSERT INTO {schema}.rule_set_activations (seq, role, version, activated_at, activated_by)
VALUES (%s, %s, %s, %s, %s)

-- name: state
-- Each role's newest activation: the live version and the version in shadow (if any).
SELECT a.role, a.version, a.activated_at, a.activated_by
FROM {schema}.rule_set_activations a
WHERE a.seq = (SELECT MAX(b.seq) FROM {schema}.rule_set_activations b WHERE b.role = a.role)

-- name: one
SELECT version, body, checksum, published_at, published_by, note
FROM {schema}.rule_set_versions WHERE version = %s

-- name: all
SELECT version, body, checksum, published_at, published_by, note
FROM {schema}.rule_set_versions ORDER BY version

-- name: delete_draft
DELETE FROM {schema}.rule_set_drafts WHERE name = %s

-- name: insert_draft
-- Parameters: name, body, saved_at, saved_by.
INSERT INTO {schema}.rule_set_drafts (name, body, saved_at, saved_by) VALUES (%s, %s, %s, %s)

-- name: draft
SELECT name, body, saved_at, saved_by FROM {schema}.rule_set_drafts WHERE name = %s

-- name: results
-- A decision's rule results: the live version's first, then the shadow's.
SELECT tx_id, version, shadow, decision, matched, lists_revision
FROM {schema}.rule_results WHERE tx_id = %s ORDER BY shadow, version

-- name: shadow_comparison
-- Parameters: the shadow version, since. Per pair of decisions (live, shadow) on the same
-- transactions, how many, and how they turned out as far as labels know (NULL: no label yet).
SELECT l.decision AS live, s.decision AS shadow, lb.is_fraud, COUNT(*) AS transactions
FROM {schema}.rule_results s
JOIN {schema}.rule_results l ON l.tx_id = s.tx_id AND NOT l.shadow
LEFT JOIN {schema}.labels lb ON lb.tx_id = s.tx_id
WHERE s.shadow AND s.version = %s AND s.decided_at >= %s
GROUP BY l.decision, s.decision, lb.is_fraud
ORDER BY 1, 2, 3

-- name: version_of_checksum
-- The published version holding the same text, if any (a text is published once).
SELECT MIN(version) FROM {schema}.rule_set_versions WHERE checksum = %s

