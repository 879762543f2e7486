-- What fraudd's two database users may do, granted once by the admin after the first
-- `fraudd migrate` (docs/operations.md, "Grants", shows these statements for IAM users).
-- The test suite's Redshift mode connects as users holding these grants (the three PostgreSQL
-- has no counterpart for, CREATE MODEL, EXECUTE ON MODEL and SYSLOG ACCESS, are skipped there).
--   {schema}        warehouse.schema
--   {daemon_user}   the daemon's database user; with IAM authentication "IAMR:<role name>",
--                   double-quoted
--   {console_user}  the console's database user (console.warehouse_user; with IAM
--                   authentication "IAMR:<console role name>"): every human action, in the
--                   console and in `fraudd cases close`, `blocks release`, `labels import`
-- The audit log is append-only by these grants (Redshift has no triggers): its owner, the
-- admin who ran the migrations, is the only user who may change or delete a row.
--
-- the daemon: read and write fraudd's tables, read the streaming view; not the audit log
GRANT USAGE ON SCHEMA {schema} TO {daemon_user};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {daemon_user};
ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {daemon_user};
REVOKE ALL ON {schema}.audit_log FROM {daemon_user};
-- history import: COPY into fraudd's staging tables is covered by INSERT above
-- fraudd train --backend redshift-ml: create the model and its function in the schema
GRANT CREATE MODEL TO {daemon_user};
GRANT CREATE ON SCHEMA {schema} TO {daemon_user};
-- only if another user (e.g. the admin) creates the model: let the daemon score with it
GRANT EXECUTE ON MODEL {schema}.fraudd_model TO {daemon_user};
-- see the streaming view's ingestion errors (First run on a real cluster, step 7)
ALTER USER {daemon_user} SYSLOG ACCESS UNRESTRICTED;
-- the console: read everything, write cases, verdicts, labels, blocks and their alerts, and
-- only append to the audit log (INSERT and SELECT: no UPDATE, DELETE or TRUNCATE)
GRANT USAGE ON SCHEMA {schema} TO {console_user};
GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {console_user};
GRANT INSERT, UPDATE, DELETE ON {schema}.cases, {schema}.case_alerts, {schema}.verdicts, {schema}.labels, {schema}.card_blocks, {schema}.alert_outbox TO {console_user};
GRANT INSERT ON {schema}.audit_log TO {console_user};
-- the console's rules page (fraudd.cases.rulesets): rewrite the draft (where the area's LOCK is
-- taken), append versions and activations — a published version is never updated or deleted
GRANT INSERT, DELETE ON {schema}.rule_set_drafts TO {console_user};
GRANT INSERT ON {schema}.rule_set_versions, {schema}.rule_set_activations TO {console_user};
-- the named lists (fraudd.cases.rulelists): append a revision — a list's history never changes
GRANT INSERT ON {schema}.rule_lists TO {console_user};
