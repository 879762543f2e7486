-- Simulated histories loaded by `fraudd simulate history` (Redshift form of
-- sql/postgres/0002_simulations.sql: same columns). A handful of rows, read by the producer at
-- start to continue the timeline: a full copy on every node, sorted by load time.
CREATE TABLE {schema}.simulations (
    simulation_id        VARCHAR(64)      NOT NULL,
    seed                 BIGINT           NOT NULL,
    customers            INTEGER          NOT NULL,
    terminals            INTEGER          NOT NULL,
    radius               DOUBLE PRECISION NOT NULL,
    origin               DATE             NOT NULL,
    days                 INTEGER          NOT NULL,
    transactions         BIGINT           NOT NULL,
    frauds               BIGINT           NOT NULL,
    label_delay_max_days DOUBLE PRECISION NOT NULL,
    loaded_at            TIMESTAMPTZ      NOT NULL DEFAULT GETDATE(),
    PRIMARY KEY (simulation_id)
)
DISTSTYLE ALL
COMPOUND SORTKEY (loaded_at);
