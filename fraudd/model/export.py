"""Hand a model to AWS: a SageMaker ``model.tar.gz``, or Redshift ML's ``CREATE MODEL``.

SageMaker: the XGBoost containers (1.3-1 and later) load every file of the unpacked archive,
trying ``pickle`` first and then ``xgboost.Booster.load_model``, which recognises XGBoost's JSON
model format by content. So the archive holds exactly one member, ``xgboost-model``, in JSON (the
format every XGBoost since 1.0 reads; UBJSON needs 1.6+, the legacy binary is gone in 3.x).
The container's XGBoost must be at least the version that trained the model (recorded in the
archive's sibling metadata and in the registry). The same archive serves Redshift ML "bring your
own model" (``CREATE MODEL ... FROM 's3://.../model.tar.gz'``). Inputs are CSV rows in
:data:`fraudd.features.FEATURES` order, no header; the output is the fraud probability.

Redshift ML training: :func:`render_create_model` shows the ``CREATE MODEL ... AUTO OFF
MODEL_TYPE XGBOOST`` statement :mod:`fraudd.model.redshift_train` runs (the SQL is the warehouse
layer's). DDL takes no bind parameters, so the window bounds are rendered as timestamp literals
from ``datetime`` values (never from text input).
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import xgboost as xgb

from fraudd.model.record import ModelRecord
from fraudd.settings import Settings
from fraudd.warehouse import CreateModelSpec

MODEL_MEMBER = "xgboost-model"


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


def render_create_model(settings: Settings, spec: CreateModelSpec) -> str:
    """``CREATE MODEL`` for Redshift ML as the warehouse layer sends it (the statement lives in
    its ``model_training.sql``); ``spec`` comes from
    :func:`fraudd.model.redshift_train.create_model_spec`.

    The prediction function is ``settings.scoring.redshift_ml_function``; it takes the features
    in :data:`FEATURES` order and is created in the warehouse schema.
    """
    from fraudd.warehouse import render_create_model as render

    return render(settings.warehouse.schema_name, spec)
