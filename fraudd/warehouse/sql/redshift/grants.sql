-- What the fraudd daemon's database user may do, granted once by the admin after the first
-- `fraudd migrate` (docs/operations.md, "Credentials", shows these statements for an IAM user).
-- The test suite's Redshift mode connects as a user holding exactly these grants.
--   {schema}       warehouse.schema
--   {daemon_user}  the daemon's database user; with IAM authentication "IAMR:<role name>",
--                  double-quoted
-- The daemon reads and writes rows; it creates, drops and refreshes nothing: the schema and the
-- streaming materialized view belong to the admin who ran the migrations.
GRANT USAGE ON SCHEMA {schema} TO {daemon_user};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {daemon_user};
-- Tables that later migrations add: the same privileges without a second GRANT.
ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {daemon_user};
