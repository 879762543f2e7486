-- What the fraudd daemon's database user may do, granted once by the admin after the first
-- `fraudd migrate` (docs/operations.md, "Grants", shows these statements for an IAM user).
-- The test suite's Redshift mode connects as a user holding these grants (the three PostgreSQL
-- has no counterpart for, CREATE MODEL, EXECUTE ON MODEL and SYSLOG ACCESS, are skipped there).
--   {schema}       warehouse.schema
--   {daemon_user}  the daemon's database user; with IAM authentication "IAMR:<role name>",
--                  double-quoted
-- the daemon: read and write fraudd's tables, read the streaming view
GRANT USAGE ON SCHEMA {schema} TO {daemon_user};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {daemon_user};
ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {daemon_user};
-- history import: COPY into fraudd's staging tables is covered by INSERT above
-- fraudd train --backend redshift-ml: create the model and its function in the schema
GRANT CREATE MODEL TO {daemon_user};
GRANT CREATE ON SCHEMA {schema} TO {daemon_user};
-- only if another user (e.g. the admin) creates the model: let the daemon score with it
GRANT EXECUTE ON MODEL {schema}.fraudd_model TO {daemon_user};
-- see the streaming view's ingestion errors (First run on a real cluster, step 7)
ALTER USER {daemon_user} SYSLOG ACCESS UNRESTRICTED;
