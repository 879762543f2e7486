"""Redshift ML training: CREATE MODEL outside the statement timeout, then SHOW MODEL until done.

Redshift ML cannot run here, so the warehouse is a scripted fake (this tests the waiting logic
and the messages, not SQL); the statement itself is checked in tests/model/test_export.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from typer.testing import CliRunner

from fraudd.cli import app
from fraudd.model import redshift_train
from fraudd.model.redshift_train import ModelTrainingFailed, create_model_spec, train_redshift_ml
from fraudd.settings import Settings
from fraudd.warehouse import WarehouseError
from fraudd.warehouse.model_training import ModelStatus, parse_show_model


@dataclass
class FakeSession:
    log: list[tuple[str, Any]]
    states: Iterator[ModelStatus | None]
    fail_create: WarehouseError | None = None

    async def create_model(self, spec: Any) -> None:
        self.log.append(("create_model", spec.model_name))
        if self.fail_create is not None:
            raise self.fail_create

    async def model_status(self, model_name: str) -> ModelStatus | None:
        self.log.append(("model_status", model_name))
        return next(self.states)


@dataclass
class FakeWarehouse:
    session_: FakeSession
    settings: Settings
    closed: bool = False

    @asynccontextmanager
    async def session(self) -> AsyncIterator[FakeSession]:
        yield self.session_

    async def close(self) -> None:
        self.closed = True


@dataclass
class Script:
    statuses: list[ModelStatus | None]
    fail_create: WarehouseError | None = None
    log: list[tuple[str, Any]] = field(default_factory=list)
    opened: list[Settings] = field(default_factory=list)


SETTINGS = Settings.model_validate(
    {
        "warehouse": {"dialect": "redshift", "schema": "fraudd", "statement_timeout_s": 30},
        "redshift": {"s3_bucket": "fraudd-staging-1", "create_model_timeout_s": 7200},
    }
)


@pytest.fixture
def script(monkeypatch: pytest.MonkeyPatch) -> Script:
    plan = Script(statuses=[])

    @asynccontextmanager
    async def opened_warehouse(settings: Settings) -> AsyncIterator[FakeWarehouse]:
        plan.opened.append(settings)
        states = iter(plan.statuses)
        warehouse = FakeWarehouse(FakeSession(plan.log, states, plan.fail_create), settings)
        try:
            yield warehouse
        finally:
            await warehouse.close()

    monkeypatch.setattr(redshift_train, "opened_warehouse", opened_warehouse)
    return plan


def _spec() -> Any:
    return create_model_spec(
        SETTINGS, dt.datetime(2024, 6, 1, tzinfo=dt.UTC), 60, s3_bucket="fraudd-staging-1"
    )


def _status(state: str, **details: str) -> ModelStatus:
    return ModelStatus(state=state, reason=details.get("Reason"), details=details)


async def test_create_model_runs_with_its_own_timeout_then_waits_until_ready(
    script: Script,
) -> None:
    script.statuses = [_status("TRAINING"), _status("TRAINING"), _status("READY")]
    seen: list[str] = []
    status = await train_redshift_ml(
        SETTINGS, _spec(), progress=lambda s, _: seen.append(s.state), poll_s=0
    )
    assert status.state == "READY"
    create, wait = script.opened
    assert create.warehouse.statement_timeout_s == 7200  # not the daemon's 30 s
    assert wait.warehouse.statement_timeout_s == 30
    assert [op for op, _ in script.log] == ["create_model"] + ["model_status"] * 3
    assert seen == ["TRAINING", "TRAINING", "READY"]


async def test_failed_training_is_one_error_with_redshifts_reason(script: Script) -> None:
    script.statuses = [_status("TRAINING"), _status("FAILED", Reason="ResourceLimitExceeded")]
    with pytest.raises(ModelTrainingFailed) as failed:
        await train_redshift_ml(SETTINGS, _spec(), poll_s=0)
    assert str(failed.value) == (
        "Redshift ML training of fraudd.fraudd_model FAILED: ResourceLimitExceeded"
    )


@pytest.mark.parametrize(
    ("error", "names"),
    [
        (
            WarehouseError("permission denied for create model", transient=False, sqlstate="42501"),
            ["GRANT CREATE MODEL TO", "docs/operations.md#grants"],
        ),
        (
            WarehouseError("Default IAM role is not set", transient=False, sqlstate="XX000"),
            ["redshift.ml_iam_role", "RedshiftMlRoleArn"],
        ),
        (
            WarehouseError(
                "S3ServiceException: The specified bucket does not exist",
                transient=False,
                sqlstate="XX000",
            ),
            ["redshift.s3_bucket", "'fraudd-staging-1'", "StagingBucketName"],
        ),
    ],
)
async def test_missing_grant_role_or_bucket_name_what_to_fix(
    script: Script, error: WarehouseError, names: list[str]
) -> None:
    script.fail_create = error
    with pytest.raises(ModelTrainingFailed) as failed:
        await train_redshift_ml(SETTINGS, _spec(), poll_s=0)
    message = str(failed.value)
    assert "\n" not in message
    for name in names:
        assert name in message, message
    assert [op for op, _ in script.log] == ["create_model"]  # no waiting after a failed create


def test_show_model_rows_parse_state_and_reason() -> None:
    rows = {
        "Model Name": "fraudd_model",
        "Model State": "FAILED",
        "Reason": "Training job failed: ClientError",
        "Schema Name": "fraudd",
    }
    status = parse_show_model(rows)
    assert status is not None
    assert (status.state, status.reason, status.finished) == (
        "FAILED",
        "Training job failed: ClientError",
        True,
    )
    assert parse_show_model({}) is None


def test_the_cli_prints_one_line_and_exits_1_on_failure(
    script: Script, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    script.statuses = [_status("FAILED", Reason="bad data")]
    monkeypatch.setattr(redshift_train.asyncio, "sleep", _no_sleep)
    config = tmp_path / "f.toml"
    config.write_text(
        '[warehouse]\ndialect = "redshift"\n[redshift]\ns3_bucket = "fraudd-staging-1"\n'
    )
    result = CliRunner().invoke(app, ["--config", str(config), "train", "--backend", "redshift-ml"])
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if "FAILED:" in line]
    assert lines == ["fraudd: Redshift ML training of fraudd.fraudd_model FAILED: bad data"]
    assert "Traceback" not in result.output


async def _no_sleep(_: float) -> None:
    return None
