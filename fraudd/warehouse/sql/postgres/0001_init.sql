-- fraudd schema for PostgreSQL (the local stand-in for Redshift).
-- {schema} and {stream_view} are validated identifiers from configuration (settings.warehouse).
-- Each /*create_table:...*/ line is that table's CREATE TABLE, from sql/common/tables.toml (one
-- definition for both dialects, with why each table is there); the indexes are PostgreSQL's own.

CREATE SCHEMA IF NOT EXISTS {schema};

/*create_table:stream_view*/

/*create_table:transactions*/
CREATE INDEX transactions_customer_time ON {schema}.transactions (customer_id, tx_time);
CREATE INDEX transactions_terminal_time ON {schema}.transactions (terminal_id, tx_time);
CREATE INDEX transactions_time ON {schema}.transactions (tx_time);

/*create_table:labels*/

/*create_table:decisions*/
CREATE INDEX decisions_decided_at ON {schema}.decisions (decided_at);

/*create_table:consumer_watermarks*/

/*create_table:alert_outbox*/
CREATE INDEX alert_outbox_unpublished ON {schema}.alert_outbox (created_at)
    WHERE published_at IS NULL;
CREATE INDEX alert_outbox_blocks_pending ON {schema}.alert_outbox (created_at)
    WHERE decision = 'block' AND block_applied_at IS NULL;

/*create_table:card_blocks*/

/*create_table:dead_letters*/

/*create_table:models*/
