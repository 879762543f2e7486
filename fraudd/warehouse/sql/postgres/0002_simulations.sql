-- Simulated histories loaded by `fraudd simulate history`: the parameters that determine the
-- timeline (fraudd.simulator.SimulationSpec) and its extent, so that the producer's live mode
-- continues the same timeline where the history ends (day `days` of the newest row).
CREATE TABLE {schema}.simulations (
    simulation_id        text             PRIMARY KEY,
    seed                 bigint           NOT NULL,
    customers            integer          NOT NULL,
    terminals            integer          NOT NULL,
    radius               double precision NOT NULL,
    origin               date             NOT NULL,
    days                 integer          NOT NULL,
    transactions         bigint           NOT NULL,
    frauds               bigint           NOT NULL,
    label_delay_max_days double precision NOT NULL,
    loaded_at            timestamptz      NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX simulations_loaded_at ON {schema}.simulations (loaded_at);
