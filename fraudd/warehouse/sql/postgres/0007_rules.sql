-- The fraud team's rule sets (issue 25): published versions, which one is live or in shadow,
-- drafts, and what the rules said about each decision. Each /*create_table:...*/ line is that
-- table's CREATE TABLE, from sql/common/tables.toml. The first version (today's [rules]
-- settings) is written by fraudd when it finds none (fraudd.warehouse.rules.first_rule_set):
-- the settings are configuration, not identifiers a migration may splice in.

/*create_table:rule_set_versions*/
/*create_table:rule_set_activations*/
/*create_table:rule_set_drafts*/
/*create_table:rule_results*/
CREATE INDEX rule_results_decided_at ON {schema}.rule_results (decided_at);

-- A published version and the activations' history never change, whoever asks.
CREATE FUNCTION {schema}.rule_sets_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only (% refused): publish a new version instead',
        TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER rule_set_versions_append_only BEFORE UPDATE OR DELETE ON {schema}.rule_set_versions
    FOR EACH ROW EXECUTE FUNCTION {schema}.rule_sets_append_only();
CREATE TRIGGER rule_set_activations_append_only BEFORE UPDATE OR DELETE ON {schema}.rule_set_activations
    FOR EACH ROW EXECUTE FUNCTION {schema}.rule_sets_append_only();
