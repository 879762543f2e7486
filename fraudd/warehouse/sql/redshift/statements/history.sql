-- name: create_staging
-- The columns of transactions and labels in their Redshift types (0001_init.sql). Filled by
-- COPY from S3 (fraudd.warehouse.redshift.s3stage).
CREATE TEMP TABLE fraudd_history_staging (
    line BIGINT NOT NULL, tx_id VARCHAR(64) NOT NULL, tx_time TIMESTAMPTZ NOT NULL,
    customer_id VARCHAR(64) NOT NULL, terminal_id VARCHAR(64) NOT NULL,
    card_token VARCHAR(64) NOT NULL, last4 CHAR(4), amount NUMERIC(14,2) NOT NULL,
    merchant_category VARCHAR(4), channel VARCHAR(16), currency CHAR(3),
    terminal_x DOUBLE PRECISION, terminal_y DOUBLE PRECISION,
    is_fraud BOOLEAN NOT NULL, labelled_at TIMESTAMPTZ NOT NULL, fraud_scenario SMALLINT
)

-- name: create_rejects
CREATE TEMP TABLE fraudd_history_rejects (line BIGINT NOT NULL, reason VARCHAR(32) NOT NULL)

-- name: lock_writers
-- The primary keys are not enforced and SNAPSHOT isolation lets two writers both pass a
-- NOT EXISTS check: only a lock keeps a consumer's (or a labeller's) row from arriving between
-- the check and the insert. LOCK is ACCESS EXCLUSIVE until the load's transaction ends
-- (https://docs.aws.amazon.com/redshift/latest/dg/r_LOCK.html): the consumer waits for the
-- insert (its statement timeout turns a long wait into a retry). Loads are rare and run by an
-- operator.
LOCK {schema}.transactions, {schema}.labels

-- name: copy_staging
-- Rendered with the load's S3 prefix, role and region (COPY takes no bind parameters), by
-- fraudd.warehouse.redshift.s3stage. Columns: fraudd.history.columns.NORMAL_COLUMNS, in order.
-- https://docs.aws.amazon.com/redshift/latest/dg/r_COPY.html (CSV, GZIP, EMPTYASNULL,
-- TIMEFORMAT 'auto', REGION).
COPY fraudd_history_staging (line, tx_id, tx_time, customer_id, terminal_id, card_token, last4,
    amount, merchant_category, channel, currency, terminal_x, terminal_y, is_fraud, labelled_at,
    fraud_scenario)
FROM {uri:literal} IAM_ROLE {iam_role:iam_role}
FORMAT AS CSV GZIP EMPTYASNULL TIMEFORMAT 'auto' REGION {region:literal}
