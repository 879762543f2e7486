-- The named lists rules read, kept apart from the rule sets (issue 25): the same table and
-- column as sql/postgres/0008_rule_lists.sql, in Redshift's types. What differs, and why:
-- * No trigger: a list's history stays as written because fraudd never sends an UPDATE or
--   DELETE to rule_lists, and the console's user holds only INSERT on it (grants.sql).
-- * PRIMARY KEY is not enforced: revisions are max + 1 under the rules area's LOCK.

/*create_table:rule_lists*/

-- Which lists revision each decision read (NULL: none), next to the rule-set version.
ALTER TABLE {schema}.rule_results ADD COLUMN lists_revision INTEGER;
