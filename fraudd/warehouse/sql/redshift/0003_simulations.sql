-- Simulated histories loaded by `fraudd simulate history` (Redshift form of
-- sql/postgres/0002_simulations.sql; the table is in sql/common/tables.toml).
/*create_table:simulations*/
