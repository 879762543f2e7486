-- Cases, verdicts and the audit log of the investigators' console (issue 15): the same tables
-- and columns as sql/postgres/0005_cases.sql, in Redshift's types.
-- {schema} is a validated identifier from configuration (settings.warehouse).
--
-- What differs from PostgreSQL, and why:
-- * PRIMARY KEY / UNIQUE are not enforced and there are no partial unique indexes: "one open
--   case per card" and "one case per alert" are kept by the intake's NOT EXISTS guards, which
--   is exact with ONE console instance per warehouse (the same rule as the actions role).
--   https://docs.aws.amazon.com/redshift/latest/dg/t_Defining_constraints.html
-- * No CHECK constraints: statuses and outcomes are checked by fraudd.cases before writing.
-- * No triggers: the audit log is append-only by grants. Give the console's database user only
--   INSERT and SELECT on {schema}.audit_log (the runbook's first-run checklist); fraudd never
--   sends an UPDATE or DELETE to it.
--   https://docs.aws.amazon.com/redshift/latest/dg/r_GRANT.html
-- * jsonb -> SUPER (written with JSON_PARSE), clock_timestamp() -> GETDATE().
-- * Small tables read by id or by time: KEY distribution on the id the pages join on, sort keys
--   on the timestamps the queue, the overview and the audit pages bound.

CREATE TABLE {schema}.cases (
    case_id    VARCHAR(80)  NOT NULL,
    card_token VARCHAR(64)  NOT NULL,
    last4      CHAR(4),
    status     VARCHAR(8)   NOT NULL DEFAULT 'open',
    assignee   VARCHAR(256),
    opened_at  TIMESTAMPTZ  NOT NULL DEFAULT GETDATE(),
    closed_at  TIMESTAMPTZ,
    closed_by  VARCHAR(256),
    outcome    VARCHAR(16),
    PRIMARY KEY (case_id)
)
DISTSTYLE KEY DISTKEY (case_id)
COMPOUND SORTKEY (opened_at);

CREATE TABLE {schema}.case_alerts (
    alert_id    VARCHAR(64)  NOT NULL,
    case_id     VARCHAR(80)  NOT NULL,
    attached_at TIMESTAMPTZ  NOT NULL DEFAULT GETDATE(),
    PRIMARY KEY (alert_id)
)
DISTSTYLE KEY DISTKEY (case_id)
COMPOUND SORTKEY (attached_at);

CREATE TABLE {schema}.verdicts (
    verdict_id VARCHAR(64)   NOT NULL,
    case_id    VARCHAR(80)   NOT NULL,
    card_token VARCHAR(64)   NOT NULL,
    outcome    VARCHAR(16)   NOT NULL,
    actor      VARCHAR(256)  NOT NULL,
    note       VARCHAR(2048) NOT NULL DEFAULT '',
    decided_at TIMESTAMPTZ   NOT NULL,
    PRIMARY KEY (verdict_id)
)
DISTSTYLE KEY DISTKEY (case_id)
COMPOUND SORTKEY (decided_at);

CREATE TABLE {schema}.audit_log (
    audit_id   VARCHAR(64)   NOT NULL,
    acted_at   TIMESTAMPTZ   NOT NULL,
    actor      VARCHAR(256)  NOT NULL,
    actor_role VARCHAR(16)   NOT NULL,
    action     VARCHAR(32)   NOT NULL,
    subject    VARCHAR(80)   NOT NULL,
    detail     VARCHAR(2048) NOT NULL DEFAULT '',
    state_before SUPER,
    state_after  SUPER,
    PRIMARY KEY (audit_id)
)
DISTSTYLE EVEN
COMPOUND SORTKEY (acted_at)
