-- The demo starts each run from a fresh schema of its own (never the configured one).
DROP SCHEMA IF EXISTS {schema} CASCADE
