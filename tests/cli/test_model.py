"""``fraudd train | evaluate | model list | activate | export`` (fraudd.cli.model): the options
checked before any work, the registry as operators read and change it, and one line (never a
traceback) when there is no model or no data to work on. Training itself: tests/model."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest

from fraudd.cli import model as cli_model
from fraudd.cli.errors import EX_FAILED, EX_USAGE
from fraudd.cli.model import _registered
from fraudd.feature_catalog import built_in
from fraudd.features import catalog_metadata
from fraudd.localstack import StackInfo
from fraudd.model.record import ModelRecord, NewModel
from fraudd.settings import EX_CONFIG, Settings
from fraudd.warehouse import opened_warehouse
from tests.cli.conftest import Invoke, one_line, run_fraudd, stack_env


def test_train_and_evaluate_on_a_migrated_schema_without_data(
    local_stack: tuple[Settings, StackInfo], schema: str
) -> None:
    env = stack_env(local_stack[0], schema)
    assert run_fraudd("migrate", env=env).returncode == 0
    train = run_fraudd("train", "--train-end", "2018-07-31", env=env)
    assert train.returncode == EX_FAILED
    assert "load labelled history first" in one_line(train)
    evaluate = run_fraudd("evaluate", "--test-start", "2018-08-08", env=env)
    assert evaluate.returncode == EX_FAILED
    assert "no active model" in one_line(evaluate) and "`fraudd train`" in one_line(evaluate)


def test_the_training_backend_is_checked_before_any_work(invoke: Invoke) -> None:
    other = invoke("train", "--backend", "sagemaker")
    assert other.returncode == EX_USAGE
    assert one_line(other) == (
        "fraudd: Invalid value for --backend: backend must be local or redshift-ml "
        "(see `fraudd train --help`)"
    )
    no_bucket = invoke("train", "--backend", "redshift-ml")
    assert no_bucket.returncode == EX_CONFIG
    assert one_line(no_bucket).startswith(
        "fraudd: invalid configuration: redshift.s3_bucket: required for --backend redshift-ml"
    )
    features = invoke("train", "--features", "mine")
    assert features.returncode == EX_USAGE
    assert one_line(features) == (
        "fraudd: Invalid value for --features: features must be all or core or handbook "
        "(see `fraudd train --help`)"
    )


def test_redshift_ml_on_postgresql_names_the_dialect_setting(
    invoke: Invoke, local_stack: tuple[Settings, StackInfo], schema: str
) -> None:
    env = stack_env(local_stack[0], schema) | {"FRAUDD_REDSHIFT__S3_BUCKET": "fraudd-staging-1"}
    done = invoke("train", "--backend", "redshift-ml", env=env)
    assert done.returncode == EX_CONFIG
    assert one_line(done).startswith("fraudd: invalid configuration: warehouse.dialect: ")


async def _register(settings: Settings, *validations: float) -> None:
    async with opened_warehouse(settings) as wh:
        async with wh.session() as s:
            for auc in validations:
                metadata = {"validation": {"auc": auc}, "catalog": catalog_metadata(built_in())}
                model = NewModel("sagemaker", None, metadata)
                await s.register_model(model, activate=True)


def test_the_registry_listed_and_rolled_back(
    invoke: Invoke, local_stack: tuple[Settings, StackInfo], schema: str
) -> None:
    env = stack_env(local_stack[0], schema)
    assert invoke("migrate", env=env).returncode == 0
    empty = invoke("model", "list", env=env)
    assert (empty.returncode, empty.stdout) == (0, "")
    settings = local_stack[0].derive(warehouse={"schema_name": schema})
    asyncio.run(_register(settings, 0.81, 0.87))
    listed = [json.loads(line) for line in invoke("model", "list", env=env).stdout.splitlines()]
    assert [(m["version"], m["active"], m["validation"]) for m in listed] == [
        (1, False, {"auc": 0.81}), (2, True, {"auc": 0.87}),
    ]  # fmt: skip
    assert all(m["backend"] == "sagemaker" and dt.datetime.fromisoformat(m["created_at"])
               for m in listed)  # fmt: skip
    rolled_back = invoke("model", "activate", "1", env=env)
    assert (rolled_back.returncode, rolled_back.stdout) == (0, "model 1 is active\n")
    after = [json.loads(line) for line in invoke("model", "list", env=env).stdout.splitlines()]
    assert [(m["version"], m["active"]) for m in after] == [(1, True), (2, False)]


def test_without_such_a_model_each_command_says_where_to_look(
    invoke: Invoke, local_stack: tuple[Settings, StackInfo], schema: str
) -> None:
    env = stack_env(local_stack[0], schema)
    assert invoke("migrate", env=env).returncode == 0
    listing = "`fraudd model list` shows the registered versions"
    for args, line in (
        (("model", "activate", "99"), f"fraudd: no model version 99: {listing}"),
        (("model", "export", "--version", "4"), f"fraudd: no model 4: {listing}"),
        (("evaluate", "--test-start", "2018-01-01", "--version", "3"),
         f"fraudd: no model 3: {listing}"),
        (("model", "export"),
         "fraudd: no active model: train one first (`fraudd train`) or give --version"),
    ):  # fmt: skip
        done = invoke(*args, env=env)
        assert (done.returncode, one_line(done)) == (EX_FAILED, line), args


def test_train_prints_one_json_line_about_the_model_it_registered() -> None:
    at = dt.datetime(2018, 8, 1, tzinfo=dt.UTC)
    meta = {
        "validation": {"auc": 0.93}, "thresholds": {"review": 0.4, "block": 0.9},
        "activation": "better than v2", "features": ["amount"], "timings": {"fit_seconds": 3},
    }  # fmt: skip
    line = _registered(ModelRecord(3, "local", at, True, at, meta))
    assert json.loads(line) == {
        "version": 3, "active": True, "validation": {"auc": 0.93},
        "thresholds": {"review": 0.4, "block": 0.9}, "activation": "better than v2",
    }  # fmt: skip
    assert "\n" not in line


def test_train_refuses_activation_below_the_baseline_in_one_line(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI's part only (the rule itself: tests/model/test_activation.py, and a training that
    it refuses: tests/model/test_train.py): the JSON line, then the refusal and exit 1."""
    at = dt.datetime(2018, 8, 1, tzinfo=dt.UTC)
    check = {"passed": False, "model_ap": 0.61, "baseline_ap": 0.65,
             "baseline": "XGBoost 300 trees, depth 6, learning rate 0.1"}  # fmt: skip
    refused = ModelRecord(5, "local", at, False, None, {"baseline": check})
    monkeypatch.setattr(cli_model, "_train_local", lambda *_: refused)
    done = invoke("train", "--train-end", "2018-07-31")
    assert done.returncode == EX_FAILED
    assert json.loads(done.stdout.splitlines()[-1])["version"] == 5
    assert one_line(done).startswith(
        "fraudd: model 5 registered but not activated: its held-out Average Precision 0.6100 "
        "is below the plain baseline's 0.6500"
    )
    forced = ModelRecord(5, "local", at, True, at, {"baseline": check})
    monkeypatch.setattr(cli_model, "_train_local", lambda *_: forced)
    assert invoke("train", "--train-end", "2018-07-31", "--force-activate").returncode == 0
