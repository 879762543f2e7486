"""Hand a model to AWS: a SageMaker ``model.tar.gz``, or Redshift ML's ``CREATE MODEL``.

SageMaker: the XGBoost containers (1.3-1 and later) load every file of the unpacked archive,
trying ``pickle`` first and then ``xgboost.Booster.load_model``, which recognises XGBoost's JSON
model format by content. So the archive holds exactly one member, ``xgboost-model``, in JSON (the
format every XGBoost since 1.0 reads; UBJSON needs 1.6+, the legacy binary is gone in 3.x).
The container's XGBoost must be at least the version that trained the model (recorded in the
archive's sibling metadata and in the registry). The same archive serves Redshift ML "bring your
own model" (``CREATE MODEL ... FROM 's3://.../model.tar.gz'``). Inputs are CSV rows in
:data:`fraudd.features.FEATURES` order, no header; the output is the fraud probability.

Redshift ML training: :func:`render_create_model` wraps the Redshift training-feature SQL for
``CREATE MODEL ... AUTO OFF MODEL_TYPE XGBOOST``. DDL takes no bind parameters, so the window
bounds are rendered as timestamp literals from ``datetime`` values (never from text input).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import tarfile
from pathlib import Path

import xgboost as xgb

from fraudd.features import FEATURES, feature_queries
from fraudd.settings import Settings
from fraudd.warehouse.api.models import ModelRecord
from fraudd.warehouse.shared.features import training_call
from fraudd.warehouse.sqlfiles import validate_identifier

MODEL_MEMBER = "xgboost-model"
_BUCKET_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-")


def sagemaker_archive(record: ModelRecord) -> bytes:
    """``model.tar.gz`` bytes with the single member ``xgboost-model`` (JSON)."""
    model_json = bytes(record.booster().save_raw(raw_format="json"))
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo(MODEL_MEMBER)
        info.size = len(model_json)
        info.mode = 0o644
        archive.addfile(info, io.BytesIO(model_json))
    return buffer.getvalue()


def export_sagemaker(record: ModelRecord, path: Path) -> Path:
    """Write ``model.tar.gz`` (``path`` is the file, or a directory to put it in) and a
    ``<name>.json`` beside it with the feature order and versions; return the archive's path."""
    if record.backend != "local":
        raise ValueError(f"model {record.version} has backend {record.backend!r}, not 'local'")
    target = path / "model.tar.gz" if path.is_dir() else path
    target.write_bytes(sagemaker_archive(record))
    sidecar = {
        "model_version": record.version,
        "features": list(record.features),
        "content_type": "text/csv",
        "xgboost_version": xgb.__version__,
        "thresholds": record.thresholds.as_dict(),
    }
    target.with_name(target.name.removesuffix(".tar.gz") + ".json").write_text(
        json.dumps(sidecar, indent=2), encoding="utf-8"
    )
    return target


def _literal(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return "CAST('" + moment.astimezone(dt.UTC).isoformat(sep=" ") + "' AS TIMESTAMPTZ)"


def _bucket(name: str) -> str:
    if not name or not set(name) <= _BUCKET_CHARS:
        raise ValueError(f"not an S3 bucket name: {name!r}")
    return name


def render_create_model(
    settings: Settings,
    train_end: dt.datetime,
    train_days: int,
    *,
    s3_bucket: str,
    num_round: int = 300,
    max_depth: int = 6,
    eta: float = 0.1,
    model_name: str = "fraudd_model",
    max_runtime_s: int = 5400,
) -> str:
    """``CREATE MODEL`` for Redshift ML over ``[train_end - train_days, train_end)``.

    The prediction function is ``settings.scoring.redshift_ml_function``; it takes the features
    in :data:`FEATURES` order and is created in the warehouse schema.
    """
    schema = settings.warehouse.schema_name
    function = validate_identifier(settings.scoring.redshift_ml_function)
    start = train_end - dt.timedelta(days=train_days)
    training, params = training_call(feature_queries("redshift", schema).training, start, train_end)
    training = training.rstrip().rstrip(";")
    for value in params:  # DDL takes no bind parameters: each one as a checked literal
        assert isinstance(value, dt.datetime)  # the training query's only parameters
        training = training.replace("%s", _literal(value), 1)
    columns = ", ".join(f"f.{name}" for name in FEATURES)
    cells = 10_000_000 * (len(FEATURES) + 1)
    return (
        f"CREATE MODEL {schema}.{validate_identifier(model_name)}\n"  # noqa: S608 - DDL, validated
        f"FROM (SELECT {columns}, CASE WHEN f.is_fraud THEN 1 ELSE 0 END AS is_fraud\n"
        f"      FROM (\n{training}\n) f)\n"
        "TARGET is_fraud\n"
        f"FUNCTION {function}\n"
        "IAM_ROLE default\n"
        "AUTO OFF\n"
        "MODEL_TYPE XGBOOST\n"
        "OBJECTIVE 'binary:logistic'\n"
        "PREPROCESSORS 'none'\n"
        f"HYPERPARAMETERS DEFAULT EXCEPT (NUM_ROUND '{int(num_round)}', "
        f"MAX_DEPTH '{int(max_depth)}', ETA '{float(eta)}')\n"
        f"SETTINGS (S3_BUCKET '{_bucket(s3_bucket)}', MAX_CELLS {cells}, "
        f"MAX_RUNTIME {int(max_runtime_s)})"
    )
