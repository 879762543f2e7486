-- Redshift version of the feature definition (same names, order and meaning as
-- sql/postgres/queries/features_select.sql; included by features_serving.sql and
-- features_training.sql at /*include:features_select*/). Divisions run in float8: Redshift's
-- numeric division keeps few decimals.
-- Runs unchanged on PostgreSQL, where tests compare it with the PostgreSQL definition.
      CAST(a.amount AS FLOAT8)                                                  AS amount
    , CASE WHEN EXTRACT(dow FROM a.tx_time AT TIME ZONE 'UTC') IN (0, 6)
           THEN 1.0 ELSE 0.0 END                                                AS is_weekend
    , CASE WHEN EXTRACT(hour FROM a.tx_time AT TIME ZONE 'UTC') <= 6
           THEN 1.0 ELSE 0.0 END                                                AS is_night
    , CAST(a.c1_n AS FLOAT8)                                                    AS cust_count_1d
    , CAST(a.c1_sum AS FLOAT8) / NULLIF(a.c1_n, 0)                              AS cust_mean_amount_1d
    , CAST(a.c7_n AS FLOAT8)                                                    AS cust_count_7d
    , CAST(a.c7_sum AS FLOAT8) / NULLIF(a.c7_n, 0)                              AS cust_mean_amount_7d
    , CAST(a.c30_n AS FLOAT8)                                                   AS cust_count_30d
    , CAST(a.c30_sum AS FLOAT8) / NULLIF(a.c30_n, 0)                            AS cust_mean_amount_30d
    , CAST(a.td1_n AS FLOAT8)                                                   AS term_count_1d
    , CASE WHEN a.td1_n > 0 THEN CAST(a.td1_f AS FLOAT8) / a.td1_n ELSE 0 END    AS term_risk_1d
    , CAST(a.td7_n AS FLOAT8)                                                   AS term_count_7d
    , CASE WHEN a.td7_n > 0 THEN CAST(a.td7_f AS FLOAT8) / a.td7_n ELSE 0 END    AS term_risk_7d
    , CAST(a.td30_n AS FLOAT8)                                                  AS term_count_30d
    , CASE WHEN a.td30_n > 0 THEN CAST(a.td30_f AS FLOAT8) / a.td30_n ELSE 0 END AS term_risk_30d
    , CAST(a.amount AS FLOAT8)
      / NULLIF(CAST(a.c30_sum - a.amount AS FLOAT8) / NULLIF(a.c30_n - 1, 0), 0)
                                                                                AS amount_ratio_30d
    , (CAST(a.amount AS FLOAT8)
       - CAST(a.c30_sum - a.amount AS FLOAT8) / NULLIF(a.c30_n - 1, 0))
      / NULLIF(SQRT(GREATEST(0,
            (CAST(a.c30_sumsq - a.amount * a.amount AS FLOAT8)
             - CAST(a.c30_sum - a.amount AS FLOAT8) * CAST(a.c30_sum - a.amount AS FLOAT8)
               / NULLIF(a.c30_n - 1, 0))
            / NULLIF(a.c30_n - 2, 0))), 0)                                      AS amount_z_30d
    , CAST(a.tr1_n AS FLOAT8)                                                   AS term_count_recent_1d
    , CAST(a.td30_f AS FLOAT8)                                                  AS term_frauds_30d
    , (EXTRACT(epoch FROM a.tx_time) - EXTRACT(epoch FROM a.td_first_f)) / 86400
                                                                                AS term_days_since_first_fraud
    , (EXTRACT(epoch FROM a.tx_time) - EXTRACT(epoch FROM a.td_last_f)) / 86400
                                                                                AS term_days_since_last_fraud
    , CAST(a.tk7_f AS FLOAT8)                                                   AS term_known_frauds_recent_7d
    , (EXTRACT(epoch FROM a.tx_time) - EXTRACT(epoch FROM COALESCE(a.tk_last_f, a.td_last_f)))
      / 86400                                                                   AS term_days_since_known_fraud
