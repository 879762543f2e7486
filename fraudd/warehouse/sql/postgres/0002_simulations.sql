-- Simulated histories loaded by `fraudd simulate history` (the table, and why it is there, is in
-- sql/common/tables.toml).
/*create_table:simulations*/
CREATE INDEX simulations_loaded_at ON {schema}.simulations (loaded_at);
