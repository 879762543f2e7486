"""The model_training area (fraudd/warehouse/{api,postgres,redshift}/model_training.py) on each
implementation: PostgreSQL refuses to train in the warehouse, saying what would; Redshift
renders ``CREATE MODEL`` for the session's schema from checked values and sends exactly that.

Redshift mode cannot run ``CREATE MODEL`` or ``SHOW MODEL`` (tests/redshift/mode.py): the
statement's documented syntax is tests/redshift/test_redshift_sql.py's, the parsing of
``SHOW MODEL``'s rows tests/model/test_redshift_train.py's."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from fraudd.features import FEATURES
from fraudd.warehouse import WarehouseError
from fraudd.warehouse.features import feature_queries
from fraudd.warehouse.model_training import CreateModelSpec, ModelTrainingUnsupported
from tests.warehouse.contract.env import ContractEnv

START = dt.datetime(2024, 4, 2, 12, 30, tzinfo=dt.UTC)
END = dt.datetime(2024, 6, 1)  # naive: read as UTC


def spec(contract: ContractEnv, **changes: object) -> CreateModelSpec:
    made = CreateModelSpec(
        model_name="fraudd_model_7", function="fraudd_predict_7", iam_role="default",
        s3_bucket="fraudd-ml-staging", features=FEATURES,
        training_sql=feature_queries("redshift", contract.schema).training,
        train_start=START, train_end=END, num_round=50, max_depth=4, eta=0.2,
    )  # fmt: skip
    return dataclasses.replace(made, **changes)  # type: ignore[arg-type]


async def test_postgres_refuses_and_redshift_renders_create_model_from_checked_values(
    contract: ContractEnv,
) -> None:
    wh = contract.deps.warehouse
    if not contract.redshift:
        async with wh.session() as s:
            with pytest.raises(ModelTrainingUnsupported, match=r"warehouse\.dialect = redshift"):
                s.create_model_sql(spec(contract))
            with pytest.raises(ModelTrainingUnsupported, match=r"warehouse\.dialect = redshift"):
                await s.create_model(spec(contract))
            with pytest.raises(ModelTrainingUnsupported, match=r"warehouse\.dialect = redshift"):
                await s.model_status("fraudd_model")
        return
    async with wh.session() as s:
        text = s.create_model_sql(spec(contract))
        for bad in ({"model_name": "m; DROP TABLE x"}, {"function": "Predict"},
                    {"s3_bucket": "b' OR '1"}, {"iam_role": "arn'--"}):  # fmt: skip
            with pytest.raises(ValueError, match="not a"):
                s.create_model_sql(spec(contract, **bad))
    async with wh.traced() as trace, wh.session() as s:
        with pytest.raises(WarehouseError):  # Redshift mode has no Redshift ML
            await s.create_model(spec(contract))
    assert text.startswith(f"CREATE MODEL {contract.schema}.fraudd_model_7\n")
    assert "FUNCTION fraudd_predict_7\nIAM_ROLE default\n" in text
    assert f"FROM (SELECT {', '.join(f'f.{n}' for n in FEATURES)}, CASE WHEN" in text
    assert f"FROM {contract.schema}.transactions" in text  # the session's schema's training SQL
    # DDL binds nothing: the window as UTC literals, the naive end read as UTC
    assert "%s" not in text and "CAST('2024-04-02 12:30:00+00:00' AS TIMESTAMPTZ)" in text
    assert "CAST('2024-06-01 00:00:00+00:00' AS TIMESTAMPTZ)" in text
    assert "(NUM_ROUND '50', MAX_DEPTH '4', ETA '0.2')" in text
    assert f"MAX_CELLS {10_000_000 * (len(FEATURES) + 1)}, MAX_RUNTIME 5400)" in text
    assert [sql for sql, _ in trace.statements] == [text]
