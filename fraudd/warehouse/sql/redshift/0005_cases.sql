-- Cases, verdicts and the audit log of the investigators' console (issue 15): the same tables
-- and columns as sql/postgres/0005_cases.sql, in Redshift's types.
-- {schema} is a validated identifier from configuration (settings.warehouse).
--
-- What differs from PostgreSQL, and why:
-- * PRIMARY KEY / UNIQUE are not enforced and there are no partial unique indexes: "one open
--   case per card" and "one case per alert" are kept by the intake's NOT EXISTS guards, which
--   is exact with ONE console instance per warehouse (the same rule as the actions role).
--   https://docs.aws.amazon.com/redshift/latest/dg/t_Defining_constraints.html
-- * No CHECK constraints: statuses and outcomes are checked by fraudd.cases before writing.
-- * No triggers: the audit log is append-only by grants. Give the console's database user only
--   INSERT and SELECT on {schema}.audit_log (the runbook's first-run checklist); fraudd never
--   sends an UPDATE or DELETE to it.
--   https://docs.aws.amazon.com/redshift/latest/dg/r_GRANT.html
-- * Each /*create_table:...*/ line is that table's CREATE TABLE, from sql/common/tables.toml
--   (one definition for both dialects, with the reasons for the distribution and sort keys).

/*create_table:cases*/

/*create_table:case_alerts*/

/*create_table:verdicts*/

/*create_table:audit_log*/
