-- name: active_model_version
SELECT max(version) FROM {schema}.models WHERE active
