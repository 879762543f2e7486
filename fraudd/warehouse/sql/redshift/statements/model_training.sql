-- name: create_model
-- Redshift ML: XGBoost on the training features, AUTO OFF, in the keyword order the reference
-- requires ("CREATE MODEL": "follow the order of the keywords in the syntax";
-- https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_MODEL.html, "CREATE XGBoost models
-- with AUTO OFF"). DDL binds nothing: the model and function names are identifiers, the role is
-- `default` or a quoted ARN, the bucket a checked literal; the column list, the training query
-- and the numbers in /* */ markers are spliced by fraudd/warehouse/redshift/model_training.py
-- from validated values.
-- The IAM role must trust redshift and sagemaker and reach the bucket (admin-setup.html).
CREATE MODEL {schema}.{model_name}
FROM (SELECT /*columns*/, CASE WHEN f.is_fraud THEN 1 ELSE 0 END AS is_fraud
      FROM (
/*training*/
) f)
TARGET is_fraud
FUNCTION {function}
IAM_ROLE {iam_role:iam_role}
AUTO OFF
MODEL_TYPE XGBOOST
OBJECTIVE 'binary:logistic'
PREPROCESSORS 'none'
HYPERPARAMETERS DEFAULT EXCEPT (NUM_ROUND '/*num_round*/', MAX_DEPTH '/*max_depth*/', ETA '/*eta*/')
SETTINGS (S3_BUCKET {bucket:literal}, MAX_CELLS /*max_cells*/, MAX_RUNTIME /*max_runtime*/)

-- name: show_model
-- Rows of (key, value): "Model State" (READY, TRAINING, FAILED, ...) and, for a failed model,
-- the reason message (https://docs.aws.amazon.com/redshift/latest/dg/r_SHOW_MODEL.html).
SHOW MODEL {schema}.{model_name}
