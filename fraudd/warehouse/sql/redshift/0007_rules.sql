-- The fraud team's rule sets (issue 25): the same tables and columns as
-- sql/postgres/0007_rules.sql, in Redshift's types. What differs, and why:
-- * No triggers: a published version stays as published because fraudd never sends an UPDATE
--   or DELETE to rule_set_versions or rule_set_activations, and every read checks a version's
--   text against its SHA-256 (fraudd.warehouse.rules), so a text changed behind fraudd's back
--   is refused rather than used.
-- * PRIMARY KEY is not enforced: versions and activation numbers are max + 1 under LOCK.
--   https://docs.aws.amazon.com/redshift/latest/dg/t_Defining_constraints.html

/*create_table:rule_set_versions*/
/*create_table:rule_set_activations*/
/*create_table:rule_set_drafts*/
/*create_table:rule_results*/
