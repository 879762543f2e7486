-- The feature definition shared by features_training.sql and features_serving.sql (included
-- at /*include:features_select*/, fraudd.warehouse.sqlfiles.load_query). One expression per
-- name in fraudd.features.FEATURES, in that order, over the per-transaction aggregates `a` that
-- both paths compute (training with window frames, serving with index-bounded LATERAL
-- subqueries).
-- Arithmetic stays in numeric until the final ::float8 so both paths give the same bits.
-- Customer windows include the transaction itself (it is in the table when it is scored), so the
-- counts are >= 1; "prev" quantities exclude it. NULL means "no history" (XGBoost: missing).
      a.amount::float8                                                          AS amount
    , CASE WHEN extract(dow FROM a.tx_time AT TIME ZONE 'UTC') IN (0, 6)
           THEN 1.0 ELSE 0.0 END::float8                                        AS is_weekend
    , CASE WHEN extract(hour FROM a.tx_time AT TIME ZONE 'UTC') <= 6
           THEN 1.0 ELSE 0.0 END::float8                                        AS is_night
    , a.c1_n::float8                                                            AS cust_count_1d
    , (a.c1_sum / NULLIF(a.c1_n, 0))::float8                                    AS cust_mean_amount_1d
    , a.c7_n::float8                                                            AS cust_count_7d
    , (a.c7_sum / NULLIF(a.c7_n, 0))::float8                                    AS cust_mean_amount_7d
    , a.c30_n::float8                                                           AS cust_count_30d
    , (a.c30_sum / NULLIF(a.c30_n, 0))::float8                                  AS cust_mean_amount_30d
    , a.td1_n::float8                                                           AS term_count_1d
    , CASE WHEN a.td1_n > 0 THEN a.td1_f::float8 / a.td1_n ELSE 0 END           AS term_risk_1d
    , a.td7_n::float8                                                           AS term_count_7d
    , CASE WHEN a.td7_n > 0 THEN a.td7_f::float8 / a.td7_n ELSE 0 END           AS term_risk_7d
    , a.td30_n::float8                                                          AS term_count_30d
    , CASE WHEN a.td30_n > 0 THEN a.td30_f::float8 / a.td30_n ELSE 0 END        AS term_risk_30d
    -- amount against the card's other transactions of the last 30 days
    , (a.amount / NULLIF((a.c30_sum - a.amount) / NULLIF(a.c30_n - 1, 0), 0))::float8
                                                                                AS amount_ratio_30d
    , ((a.amount - (a.c30_sum - a.amount) / NULLIF(a.c30_n - 1, 0))
       / NULLIF(sqrt(GREATEST(0,
            ((a.c30_sumsq - a.amount * a.amount)
             - (a.c30_sum - a.amount) * (a.c30_sum - a.amount) / NULLIF(a.c30_n - 1, 0))
            / NULLIF(a.c30_n - 2, 0))), 0))::float8                             AS amount_z_30d
    , a.tr1_n::float8                                                           AS term_count_recent_1d
    -- known frauds of the delayed 30-day window, and when the first and latest happened: a
    -- compromised terminal stays compromised for weeks, then stops (scenario 2)
    , a.td30_f::float8                                                          AS term_frauds_30d
    , (extract(epoch FROM a.tx_time - a.td_first_f) / 86400)::float8           AS term_days_since_first_fraud
    , (extract(epoch FROM a.tx_time - a.td_last_f) / 86400)::float8            AS term_days_since_last_fraud
    -- known frauds of the recent window (t - 7d, t): labels arrive 1 to 7 days after the fraud,
    -- so a terminal compromised a few days ago already shows some; and the latest known fraud
    -- of (t - 37d, t), recent or delayed
    , a.tk7_f::float8                                                           AS term_known_frauds_recent_7d
    , (extract(epoch FROM a.tx_time - COALESCE(a.tk_last_f, a.td_last_f)) / 86400)::float8
                                                                                AS term_days_since_known_fraud
