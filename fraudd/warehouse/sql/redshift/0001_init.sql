-- fraudd schema for Amazon Redshift: the same tables and columns as sql/postgres/0001_init.sql,
-- in Redshift's types, with distribution and sort keys. The streaming objects (external schema,
-- streaming materialized view, dead-letter view) are 0002_streaming.sql.
-- {schema} is a validated identifier from configuration (settings.warehouse).
-- Each /*create_table:...*/ line is that table's CREATE TABLE, from sql/common/tables.toml (one
-- definition for both dialects, with the reasons for each table's distribution and sort keys).
--
-- What differs from PostgreSQL, and why:
-- * Redshift does not enforce PRIMARY KEY or UNIQUE: they are declared for the planner and for
--   readers, and the consumer's statements (fraudd.tasks.consumer_redshift) check for an existing
--   row themselves (INSERT ... SELECT ... WHERE NOT EXISTS). No CHECK constraints, no indexes.
-- * Types, defaults and compression are each dialect's spelling of the catalog's neutral types
--   (fraudd.warehouse.tables.RedshiftColumn; the catalog's header says why each is what it is).

CREATE SCHEMA IF NOT EXISTS {schema};

/*create_table:transactions*/

/*create_table:labels*/

/*create_table:decisions*/

/*create_table:consumer_watermarks*/

/*create_table:alert_outbox*/

/*create_table:card_blocks*/

/*create_table:dead_letters*/

/*create_table:models*/
