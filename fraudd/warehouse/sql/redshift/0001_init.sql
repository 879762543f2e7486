-- fraudd schema for Amazon Redshift: the same tables and columns as sql/postgres/0001_init.sql,
-- in Redshift's types, with distribution and sort keys. The streaming objects (external schema,
-- streaming materialized view, dead-letter view) are 0002_streaming.sql.
-- {schema} is a validated identifier from configuration (settings.warehouse).
--
-- What differs from PostgreSQL, and why:
-- * Redshift does not enforce PRIMARY KEY or UNIQUE: they are declared for the planner and for
--   readers, and the consumer's statements (fraudd.tasks.consumer_redshift) check for an existing
--   row themselves (INSERT ... SELECT ... WHERE NOT EXISTS). No CHECK constraints, no indexes.
-- * TEXT would be VARCHAR(256): every string has an explicit length, at least what
--   fraudd.records.Swipe accepts (ids <= 64 ASCII characters), so a valid record always fits.
-- * Kinesis sequence numbers have up to 128 digits, beyond NUMERIC's 38: they are VARCHAR(128),
--   the type of the streaming view's own column, and are compared as (length, string) — equal
--   lengths compare as numbers do, a shorter string is a smaller number.
-- * jsonb -> SUPER (written with JSON_PARSE), bytea -> VARBYTE, clock_timestamp() -> GETDATE().
-- * Zone maps keep only the first 8 bytes of a VARCHAR, so VARCHAR sort keys ('shardId-...',
--   'tx-...') prune nothing: the sort keys are timestamps, which every hot query bounds.

CREATE SCHEMA IF NOT EXISTS {schema};

-- Every transaction fraudd knows (imported history and every decided live swipe); features are
-- computed from this table only.
-- DISTKEY(customer_id): the card windows (1 h .. 30 d) are a self-join on customer_id, the
-- largest join of training, so it runs on each slice without moving rows. Customers are many
-- and similar in size, so the key does not skew.
-- SORTKEY(tx_time): every feature query bounds tx_time (serving: the last 37 days before the
-- batch; training: the window plus 37 days), and rows arrive roughly in time order, so the table
-- stays nearly sorted without VACUUM SORT. A compound (customer_id, tx_time) key would prune
-- the card windows better but lose the time pruning of the training scan and of the terminal
-- windows, and would leave every live append unsorted.
-- The terminal windows join on terminal_id, not the distribution key: for serving Redshift
-- broadcasts the small batch side (a few thousand rows) and scans 37 days of the terminal's
-- rows where they are; only training redistributes. If training's terminal join ever dominates,
-- a narrow copy (tx_id, terminal_id, tx_time) DISTKEY(terminal_id) is the second layout to add —
-- a per-terminal-day aggregate cannot give the exact (t - 7d - n, t - 7d] windows the features
-- use, nor the per-row "label known at t" rule (invariant 6).
CREATE TABLE {schema}.transactions (
    tx_id             VARCHAR(64)      NOT NULL ENCODE zstd,
    tx_time           TIMESTAMPTZ      NOT NULL,
    customer_id       VARCHAR(64)      NOT NULL ENCODE zstd,
    terminal_id       VARCHAR(64)      NOT NULL ENCODE zstd,
    card_token        VARCHAR(64)      NOT NULL ENCODE zstd,
    last4             CHAR(4),
    amount            NUMERIC(14,2)    NOT NULL,
    merchant_category VARCHAR(4),
    channel           VARCHAR(16),
    currency          CHAR(3),
    terminal_x        DOUBLE PRECISION,
    terminal_y        DOUBLE PRECISION,
    source            VARCHAR(16)      NOT NULL DEFAULT 'stream',
    produced_at       TIMESTAMPTZ,
    PRIMARY KEY (tx_id)
)
DISTSTYLE KEY DISTKEY (customer_id)
COMPOUND SORTKEY (tx_time);

-- Late labels (invariant 6). Joined to transactions on tx_id; the label side is narrow, so the
-- planner redistributes it to the transactions' slices. DISTKEY(tx_id) spreads it evenly and
-- co-locates the per-transaction lookups of the evaluation; SORTKEY(labelled_at) prunes the
-- "known by t" filters and keeps appends (labels arrive in labelled_at order) sorted.
CREATE TABLE {schema}.labels (
    tx_id          VARCHAR(64)  NOT NULL ENCODE zstd,
    is_fraud       BOOLEAN      NOT NULL,
    labelled_at    TIMESTAMPTZ  NOT NULL,
    fraud_scenario SMALLINT,
    source         VARCHAR(16)  NOT NULL DEFAULT 'history',
    PRIMARY KEY (tx_id)
)
DISTSTYLE KEY DISTKEY (tx_id)
COMPOUND SORTKEY (labelled_at);

-- One row per consumed stream record (invariant 1), committed with the watermark and outbox.
-- DISTKEY(tx_id): the consumer's "already decided?" checks and joins to alerts are on tx_id.
-- SORTKEY(decided_at): dashboards, audits and retention read recent decisions by time.
-- The decision values are checked by the consumer (no CHECK constraints in Redshift).
CREATE TABLE {schema}.decisions (
    tx_id           VARCHAR(64)      NOT NULL ENCODE zstd,
    shard_id        VARCHAR(64)      NOT NULL,
    sequence_number VARCHAR(128)     NOT NULL ENCODE zstd,
    card_token      VARCHAR(64)      NOT NULL ENCODE zstd,
    tx_time         TIMESTAMPTZ      NOT NULL,
    amount          NUMERIC(14,2)    NOT NULL,
    score           DOUBLE PRECISION NOT NULL,
    decision        VARCHAR(8)       NOT NULL,
    reasons         SUPER            NOT NULL,
    model_version   VARCHAR(64)      NOT NULL,
    consumer_group  VARCHAR(64)      NOT NULL,
    produced_at     TIMESTAMPTZ,
    decided_at      TIMESTAMPTZ      NOT NULL DEFAULT GETDATE(),
    PRIMARY KEY (tx_id)
)
DISTSTYLE KEY DISTKEY (tx_id)
COMPOUND SORTKEY (decided_at);

-- Exact per-shard watermark, one row per (consumer group, shard): a handful of rows, read by
-- every poll and joined to the streaming view, so a full copy on every node (DISTSTYLE ALL).
CREATE TABLE {schema}.consumer_watermarks (
    consumer_group  VARCHAR(64)  NOT NULL,
    shard_id        VARCHAR(64)  NOT NULL,
    sequence_number VARCHAR(128) NOT NULL,
    updated_at      TIMESTAMPTZ  NOT NULL DEFAULT GETDATE(),
    PRIMARY KEY (consumer_group, shard_id)
)
DISTSTYLE ALL;

-- Transactional outbox; alert_id = tx_id is the stable id (SNS FIFO deduplication id).
-- Actions reads the unpublished rows oldest first: SORTKEY(created_at).
CREATE TABLE {schema}.alert_outbox (
    alert_id         VARCHAR(64)      NOT NULL ENCODE zstd,
    card_token       VARCHAR(64)      NOT NULL ENCODE zstd,
    decision         VARCHAR(8)       NOT NULL,
    score            DOUBLE PRECISION NOT NULL,
    payload          SUPER            NOT NULL,
    created_at       TIMESTAMPTZ      NOT NULL DEFAULT GETDATE(),
    block_applied_at TIMESTAMPTZ,
    published_at     TIMESTAMPTZ,
    attempts         INTEGER          NOT NULL DEFAULT 0,
    last_error       VARCHAR(1024),
    PRIMARY KEY (alert_id)
)
DISTSTYLE KEY DISTKEY (alert_id)
COMPOUND SORTKEY (created_at);

-- Cards the card application declines until expires_at. Small (currently blocked cards) and
-- looked up by card_token on every swipe, from any slice: DISTSTYLE ALL.
CREATE TABLE {schema}.card_blocks (
    card_token VARCHAR(64)  NOT NULL,
    tx_id      VARCHAR(64)  NOT NULL,
    reason     VARCHAR(256) NOT NULL,
    blocked_at TIMESTAMPTZ  NOT NULL DEFAULT GETDATE(),
    expires_at TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (card_token)
)
DISTSTYLE ALL
COMPOUND SORTKEY (card_token);

-- Quarantine (invariant 4): raw bytes (a Kinesis record is at most 1 MiB) kept, never dropped.
-- Rare and read by time: EVEN distribution, SORTKEY(received_at).
CREATE TABLE {schema}.dead_letters (
    shard_id        VARCHAR(64)      NOT NULL,
    sequence_number VARCHAR(128)     NOT NULL,
    partition_key   VARCHAR(1024),
    reason          VARCHAR(64)      NOT NULL,
    detail          VARCHAR(4096)    NOT NULL,
    raw             VARBYTE(1048576) NOT NULL,
    consumer_group  VARCHAR(64)      NOT NULL,
    received_at     TIMESTAMPTZ      NOT NULL DEFAULT GETDATE(),
    PRIMARY KEY (shard_id, sequence_number)
)
DISTSTYLE EVEN
COMPOUND SORTKEY (received_at);

-- Model registry (fraudd.model.registry): a few rows, artifact up to VARBYTE's 16 MiB.
CREATE TABLE {schema}.models (
    version      INTEGER           NOT NULL,
    backend      VARCHAR(32)       NOT NULL,
    created_at   TIMESTAMPTZ       NOT NULL DEFAULT GETDATE(),
    active       BOOLEAN           NOT NULL DEFAULT false,
    activated_at TIMESTAMPTZ,
    artifact     VARBYTE(16777216),
    metadata     SUPER             NOT NULL,
    PRIMARY KEY (version)
)
DISTSTYLE ALL;
