-- The named lists kept apart from the rule sets (fraudd.warehouse.rule_lists). No statement
-- here updates or deletes a row: a change is a new revision. Writers take the rules area's
-- lock (sql/<dialect>/statements/rules.sql) for max + 1.

-- name: lists_revision
-- The newest revision of the named lists (0: no list was ever kept).
SELECT COALESCE(MAX(revision), 0) FROM {schema}.rule_lists

-- name: next_list_revision
SELECT COALESCE(MAX(revision), 0) + 1 FROM {schema}.rule_lists

-- name: list_revision
-- A list's newest revision (NULL: never kept).
SELECT MAX(revision) FROM {schema}.rule_lists WHERE name = %s

-- name: insert_list
-- Parameters: revision, name, list_type, description, list_values (JSON), changed_at, changed_by.
INSERT INTO {schema}.rule_lists
    (revision, name, list_type, description, list_values, changed_at, changed_by)
VALUES (%s, %s, %s, %s, %s, %s, %s)

-- name: lists_as_of
-- Parameter: a revision. Each list's newest row at or below it: the lists as they were then.
SELECT l.revision, l.name, l.list_type, l.description, l.list_values, l.changed_at, l.changed_by
FROM {schema}.rule_lists l
WHERE l.revision = (
    SELECT MAX(m.revision) FROM {schema}.rule_lists m WHERE m.name = l.name AND m.revision <= %s
)
ORDER BY l.name
