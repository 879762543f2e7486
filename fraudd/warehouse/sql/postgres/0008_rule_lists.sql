-- The named lists rules read, kept apart from the rule sets (issue 25): edited the same day
-- without publishing a version. Each /*create_table:...*/ line is that table's CREATE TABLE,
-- from sql/common/tables.toml.

/*create_table:rule_lists*/
CREATE INDEX rule_lists_name ON {schema}.rule_lists (name, revision);

-- A list's history never changes: a change is a new revision.
CREATE FUNCTION {schema}.rule_lists_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only (% refused): change a list with a new revision',
        TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER rule_lists_append_only BEFORE UPDATE OR DELETE ON {schema}.rule_lists
    FOR EACH ROW EXECUTE FUNCTION {schema}.rule_lists_append_only();

-- Which lists revision each decision read (NULL: decided before lists were kept apart, or with
-- no kept list), next to the rule-set version, so that a decision can be explained.
ALTER TABLE {schema}.rule_results ADD COLUMN lists_revision integer;
