"""SageMaker archive and Redshift ML CREATE MODEL rendering."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import tarfile
from pathlib import Path

import numpy as np
import pytest
import xgboost as xgb

from fraudd.features import FEATURES
from fraudd.model.export import MODEL_MEMBER, export_sagemaker, render_create_model
from fraudd.model.redshift_train import create_model_spec
from fraudd.settings import Settings
from tests.model.helpers import record, synthetic


@pytest.mark.filterwarnings("ignore:.*Unknown file format")
def test_sagemaker_archive_holds_one_loadable_model(tmp_path: Path) -> None:
    model = record({"review": 0.5, "block": 0.9})
    archive = export_sagemaker(model, tmp_path)
    assert archive == tmp_path / "model.tar.gz"
    with tarfile.open(archive) as tar:
        assert tar.getnames() == [MODEL_MEMBER]  # the container loads every file it finds
        tar.extractall(tmp_path / "unpacked", filter="data")
    member = tmp_path / "unpacked" / MODEL_MEMBER
    assert member.read_bytes().startswith(b'{"')  # JSON, recognised by content
    loaded = xgb.Booster()
    loaded.load_model(str(member))
    x, _ = synthetic(100, seed=4)
    matrix = x.astype(np.float32)
    np.testing.assert_allclose(
        loaded.inplace_predict(matrix), model.booster().inplace_predict(matrix), rtol=1e-6
    )
    sidecar = json.loads((tmp_path / "model.json").read_text())
    assert sidecar["features"] == list(FEATURES) and sidecar["model_version"] == 7


def test_create_model_statement() -> None:
    sqlglot = pytest.importorskip("sqlglot")
    settings = Settings.model_validate({"warehouse": {"schema": "fraud", "dialect": "redshift"}})
    spec = create_model_spec(
        settings, dt.datetime(2018, 7, 31, tzinfo=dt.UTC), 90, s3_bucket="my-ml-bucket"
    )
    sql = render_create_model(settings, dataclasses.replace(spec, num_round=250))
    assert sql.startswith("CREATE MODEL fraud.fraudd_model\nFROM (SELECT ")
    for clause in (
        "TARGET is_fraud",
        "FUNCTION fraudd_predict",
        "IAM_ROLE default",
        "AUTO OFF",
        "MODEL_TYPE XGBOOST",
        "OBJECTIVE 'binary:logistic'",
        "PREPROCESSORS 'none'",
        "HYPERPARAMETERS DEFAULT EXCEPT (NUM_ROUND '250'",
        "SETTINGS (S3_BUCKET 'my-ml-bucket'",
    ):
        assert clause in sql
    assert "%s" not in sql
    assert "CAST('2018-05-02 00:00:00+00:00' AS TIMESTAMPTZ)" in sql
    assert "CAST('2018-07-31 00:00:00+00:00' AS TIMESTAMPTZ)" in sql
    # sqlglot parses CREATE MODEL only as an opaque command: parse the training query itself.
    inner = re.search(r"^FROM \((.*)\)\nTARGET", sql, flags=re.S | re.M)
    assert inner is not None
    select = sqlglot.parse_one(inner.group(1), read="redshift")
    assert [e.alias_or_name for e in select.expressions] == [*FEATURES, "is_fraud"]
    with pytest.raises(ValueError):
        bad = create_model_spec(settings, dt.datetime(2018, 7, 31), 90, s3_bucket="bad bucket'")
        render_create_model(settings, bad)
