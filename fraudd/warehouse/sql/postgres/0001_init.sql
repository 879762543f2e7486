-- fraudd schema for PostgreSQL (the local stand-in for Redshift).
-- {schema} and {stream_view} are validated identifiers from configuration (settings.warehouse).

CREATE SCHEMA IF NOT EXISTS {schema};

-- Stands in for the Redshift streaming materialized view: one row per Kinesis record, with the
-- same metadata columns. A plain table filled incrementally by `ingest` (REFRESH MATERIALIZED
-- VIEW in PostgreSQL recomputes everything). The primary key makes re-ingestion idempotent and
-- is the index the consumer's per-shard watermark scan uses.
CREATE TABLE {schema}.{stream_view} (
    approximate_arrival_timestamp timestamptz    NOT NULL,
    partition_key                 text           NOT NULL,
    shard_id                      text           NOT NULL,
    sequence_number               numeric(128,0) NOT NULL,
    refresh_time                  timestamptz    NOT NULL DEFAULT clock_timestamp(),
    kinesis_data                  bytea          NOT NULL,
    PRIMARY KEY (shard_id, sequence_number)
);

-- Every transaction fraudd knows: imported/simulated history and every decided live swipe.
-- Features are computed from this table only (one feature definition for training and serving).
CREATE TABLE {schema}.transactions (
    tx_id             text             PRIMARY KEY,
    tx_time           timestamptz      NOT NULL,
    customer_id       text             NOT NULL,
    terminal_id       text             NOT NULL,
    card_token        text             NOT NULL,
    last4             text,
    amount            numeric(14,2)    NOT NULL,
    merchant_category text,
    channel           text,
    currency          text,
    terminal_x        double precision,
    terminal_y        double precision,
    source            text             NOT NULL DEFAULT 'stream',
    produced_at       timestamptz
);
CREATE INDEX transactions_customer_time ON {schema}.transactions (customer_id, tx_time);
CREATE INDEX transactions_terminal_time ON {schema}.transactions (terminal_id, tx_time);
CREATE INDEX transactions_time ON {schema}.transactions (tx_time);

-- Fraud labels arrive separately and late (chargebacks, investigations). Features may only use a
-- label once labelled_at <= the scored transaction's time (DESIGN.md invariant 6).
CREATE TABLE {schema}.labels (
    tx_id          text        PRIMARY KEY,
    is_fraud       boolean     NOT NULL,
    labelled_at    timestamptz NOT NULL,
    fraud_scenario smallint,
    source         text        NOT NULL DEFAULT 'history'
);

-- One row per consumed stream record (invariant 1); committed with the watermark and the outbox.
CREATE TABLE {schema}.decisions (
    tx_id           text             PRIMARY KEY,
    shard_id        text             NOT NULL,
    sequence_number numeric(128,0)   NOT NULL,
    card_token      text             NOT NULL,
    tx_time         timestamptz      NOT NULL,
    amount          numeric(14,2)    NOT NULL,
    score           double precision NOT NULL,
    decision        text             NOT NULL CHECK (decision IN ('approve', 'review', 'block')),
    reasons         jsonb            NOT NULL DEFAULT '[]',
    model_version   text             NOT NULL,
    consumer_group  text             NOT NULL,
    produced_at     timestamptz,
    decided_at      timestamptz      NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX decisions_decided_at ON {schema}.decisions (decided_at);

-- Exact per-shard watermark: Kinesis sequence numbers are ordered within a shard only.
CREATE TABLE {schema}.consumer_watermarks (
    consumer_group  text           NOT NULL,
    shard_id        text           NOT NULL,
    sequence_number numeric(128,0) NOT NULL,
    updated_at      timestamptz    NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (consumer_group, shard_id)
);

-- Transactional outbox: alerts are written with the decision and published by `actions`.
-- alert_id is stable (= tx_id) so SNS FIFO deduplication and subscribers can drop repeats.
CREATE TABLE {schema}.alert_outbox (
    alert_id         text             PRIMARY KEY,
    card_token       text             NOT NULL,
    decision         text             NOT NULL,
    score            double precision NOT NULL,
    payload          jsonb            NOT NULL,
    created_at       timestamptz      NOT NULL DEFAULT clock_timestamp(),
    block_applied_at timestamptz,
    published_at     timestamptz,
    attempts         integer          NOT NULL DEFAULT 0,
    last_error       text
);
CREATE INDEX alert_outbox_unpublished ON {schema}.alert_outbox (created_at)
    WHERE published_at IS NULL;
CREATE INDEX alert_outbox_blocks_pending ON {schema}.alert_outbox (created_at)
    WHERE decision = 'block' AND block_applied_at IS NULL;

-- The card application declines swipes of cards listed here until expires_at.
CREATE TABLE {schema}.card_blocks (
    card_token text        PRIMARY KEY,
    tx_id      text        NOT NULL,
    reason     text        NOT NULL,
    blocked_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    expires_at timestamptz NOT NULL
);

-- Quarantine for records that cannot be decided (invariant 4): raw bytes kept, never dropped.
CREATE TABLE {schema}.dead_letters (
    shard_id        text           NOT NULL,
    sequence_number numeric(128,0) NOT NULL,
    partition_key   text,
    reason          text           NOT NULL,
    detail          text           NOT NULL,
    raw             bytea          NOT NULL,
    consumer_group  text           NOT NULL,
    received_at     timestamptz    NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (shard_id, sequence_number)
);

-- Model registry: versioned artifacts with their metadata; the consumer uses the newest active.
CREATE TABLE {schema}.models (
    version      integer     PRIMARY KEY,
    backend      text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    active       boolean     NOT NULL DEFAULT false,
    activated_at timestamptz,
    artifact     bytea,
    metadata     jsonb       NOT NULL DEFAULT '{}'
);
