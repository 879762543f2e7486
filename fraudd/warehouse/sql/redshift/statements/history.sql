-- name: create_staging
-- A history row (fraudd.columns.HISTORY_ROW): the file's line, then the columns of transactions
-- and labels in their Redshift types. Filled by COPY from S3 (fraudd.warehouse.redshift.s3stage).
CREATE TEMP TABLE fraudd_history_staging ({history_ddl:columns}{own_ddl:columns})

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
-- fraudd.warehouse.redshift.s3stage. Columns: fraudd.columns.HISTORY_ROW, in order.
-- https://docs.aws.amazon.com/redshift/latest/dg/r_COPY.html (CSV, GZIP, EMPTYASNULL,
-- TIMEFORMAT 'auto', REGION).
COPY fraudd_history_staging ({history_names:columns}{own_names:columns})
FROM {uri:literal} IAM_ROLE {iam_role:iam_role}
FORMAT AS CSV GZIP EMPTYASNULL TIMEFORMAT 'auto' REGION {region:literal}
