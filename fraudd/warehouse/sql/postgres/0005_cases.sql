-- Cases, verdicts and the audit log of the investigators' console (issue 15).
-- {schema} is a validated identifier from configuration (settings.warehouse).
--
-- A case gathers the alerts of one card while it is open; a new alert of a card with no open
-- case opens one whose id is 'case-' || its first alert id (stable, so the intake is idempotent).
-- Verdicts are labels too (written to {schema}.labels with source 'verdict'); the audit log
-- holds every human action and can only grow.

CREATE TABLE {schema}.cases (
    case_id    text        PRIMARY KEY,
    card_token text        NOT NULL,
    last4      text,
    status     text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    assignee   text,
    opened_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    closed_at  timestamptz,
    closed_by  text,
    outcome    text        CHECK (outcome IN ('fraud', 'legitimate', 'unsure'))
);
-- At most one open case per card: a second intake racing the first fails instead of doubling.
CREATE UNIQUE INDEX cases_one_open_per_card ON {schema}.cases (card_token) WHERE status = 'open';
CREATE INDEX cases_opened_at ON {schema}.cases (opened_at);

CREATE TABLE {schema}.case_alerts (
    alert_id    text        PRIMARY KEY,
    case_id     text        NOT NULL REFERENCES {schema}.cases (case_id),
    attached_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX case_alerts_case ON {schema}.case_alerts (case_id);

CREATE TABLE {schema}.verdicts (
    verdict_id text        PRIMARY KEY,
    case_id    text        NOT NULL REFERENCES {schema}.cases (case_id),
    card_token text        NOT NULL,
    outcome    text        NOT NULL CHECK (outcome IN ('fraud', 'legitimate', 'unsure')),
    actor      text        NOT NULL,
    note       text        NOT NULL DEFAULT '',
    decided_at timestamptz NOT NULL
);
CREATE INDEX verdicts_case ON {schema}.verdicts (case_id);
CREATE INDEX verdicts_card ON {schema}.verdicts (card_token);

-- Every human action (DESIGN.md invariant 10): who, in which role, what, on what, when, and the
-- state before and after. `subject` is a case id or a card token, never a card number.
CREATE TABLE {schema}.audit_log (
    audit_id   text        PRIMARY KEY,
    acted_at   timestamptz NOT NULL,
    actor      text        NOT NULL,
    actor_role text        NOT NULL,
    action     text        NOT NULL,
    subject    text        NOT NULL,
    detail     text        NOT NULL DEFAULT '',
    state_before jsonb,
    state_after  jsonb
);
CREATE INDEX audit_log_subject ON {schema}.audit_log (subject, acted_at);
CREATE INDEX audit_log_at ON {schema}.audit_log (acted_at);

-- Append-only: any UPDATE, DELETE or TRUNCATE of the audit log fails, whoever sends it.
CREATE FUNCTION {schema}.audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON {schema}.audit_log
    FOR EACH ROW EXECUTE FUNCTION {schema}.audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON {schema}.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION {schema}.audit_log_append_only();

-- The intake finds alerts not yet in a case by time; the outbox's own indexes are partial.
CREATE INDEX alert_outbox_created_at ON {schema}.alert_outbox (created_at);
