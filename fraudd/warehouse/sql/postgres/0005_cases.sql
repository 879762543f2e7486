-- Cases, verdicts and the audit log of the investigators' console (issue 15).
-- {schema} is a validated identifier from configuration (settings.warehouse).
--
-- A case gathers the alerts of one card while it is open; a new alert of a card with no open
-- case opens one whose id is 'case-' || its first alert id (stable, so the intake is idempotent).
-- Verdicts are labels too (written to {schema}.labels with source 'verdict'); the audit log
-- holds every human action and can only grow. Each /*create_table:...*/ line is that table's
-- CREATE TABLE, from sql/common/tables.toml (one definition for both dialects).

/*create_table:cases*/
-- At most one open case per card: a second intake racing the first fails instead of doubling.
CREATE UNIQUE INDEX cases_one_open_per_card ON {schema}.cases (card_token) WHERE status = 'open';
CREATE INDEX cases_opened_at ON {schema}.cases (opened_at);

/*create_table:case_alerts*/
CREATE INDEX case_alerts_case ON {schema}.case_alerts (case_id);

/*create_table:verdicts*/
CREATE INDEX verdicts_case ON {schema}.verdicts (case_id);
CREATE INDEX verdicts_card ON {schema}.verdicts (card_token);

-- Every human action (DESIGN.md invariant 10): who, in which role, what, on what, when, and the
-- state before and after. `subject` is a case id or a card token, never a card number.
/*create_table:audit_log*/
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
