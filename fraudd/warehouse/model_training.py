"""The model-training area: training a model inside the warehouse (Redshift ML), waiting for it.

``CREATE MODEL`` returns once the training data is exported to S3; SageMaker then trains in the
background and ``SHOW MODEL`` reports the state (READY, TRAINING, FAILED, ...) and, on failure,
Redshift's reason (Amazon Redshift Database Developer Guide: "CREATE MODEL" usage notes and
"SHOW MODEL", https://docs.aws.amazon.com/redshift/latest/dg/r_create_model_usage_notes.html,
https://docs.aws.amazon.com/redshift/latest/dg/r_SHOW_MODEL.html).

Only Redshift can: on PostgreSQL every operation raises :class:`ModelTrainingUnsupported`
(``fraudd train`` with backend local trains in process).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NoReturn, Protocol

from fraudd.warehouse.features import training_call
from fraudd.warehouse.session import SessionBase
from fraudd.warehouse.sqlfiles import load_statement, validate_identifier

AREA = "model_training"


class ModelTrainingUnsupported(Exception):
    """The configured warehouse cannot train models itself (only Redshift ML can)."""


@dataclass(frozen=True)
class CreateModelSpec:
    """What ``CREATE MODEL ... AUTO OFF MODEL_TYPE XGBOOST`` trains on and with."""

    model_name: str
    function: str
    iam_role: str
    s3_bucket: str
    features: Sequence[str]
    training_sql: str
    """The training-feature query with two ``%s``: the window's start and end."""
    train_start: dt.datetime
    train_end: dt.datetime
    num_round: int = 300
    max_depth: int = 6
    eta: float = 0.1
    max_runtime_s: int = 5400


@dataclass(frozen=True)
class ModelStatus:
    """One ``SHOW MODEL`` answer: the state, Redshift's reason when it failed, every row."""

    state: str
    reason: str | None = None
    details: Mapping[str, str] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.state in ("READY", "FAILED")


class ModelTrainingOps(Protocol):
    def create_model_sql(self, spec: CreateModelSpec) -> str:
        """The ``CREATE MODEL`` statement (DDL binds nothing: values are checked and spliced)."""

    async def create_model(self, spec: CreateModelSpec) -> None:
        """Run ``CREATE MODEL``: returns after the export; run it on a session whose statement
        timeout allows the export (``redshift.create_model_timeout_s``)."""

    async def model_status(self, model_name: str) -> ModelStatus | None:
        """``SHOW MODEL``, or None when there is no such model."""


_WHY = "training in the warehouse (Redshift ML) needs warehouse.dialect = redshift"


class PostgresModelTraining(SessionBase):
    def create_model_sql(self, spec: CreateModelSpec) -> NoReturn:
        raise ModelTrainingUnsupported(_WHY)

    async def create_model(self, spec: CreateModelSpec) -> NoReturn:
        raise ModelTrainingUnsupported(_WHY)

    async def model_status(self, model_name: str) -> ModelStatus | None:
        raise ModelTrainingUnsupported(_WHY)


# --- Redshift ML ------------------------------------------------------------------------------
_CELLS_PER_ROW_LIMIT = 10_000_000
"""MAX_CELLS is rows x (features + target); this allows ten million training rows."""


def _literal(moment: dt.datetime) -> str:
    """A timestamp literal from a datetime (never from text): DDL takes no parameters."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return "CAST('" + moment.astimezone(dt.UTC).isoformat(sep=" ") + "' AS TIMESTAMPTZ)"


def _without_leading_comments(sql: str) -> str:
    lines = sql.splitlines()
    while lines and (not lines[0].strip() or lines[0].lstrip().startswith("--")):
        lines.pop(0)
    return "\n".join(lines)


def render_create_model(schema: str, spec: CreateModelSpec) -> str:
    """The ``CREATE MODEL`` text for ``spec`` in ``schema`` (every spliced value checked)."""
    template = load_statement(
        "redshift",
        AREA,
        "create_model",
        schema=schema,
        model_name=spec.model_name,
        function=spec.function,
        iam_role=spec.iam_role,
        bucket=spec.s3_bucket,
    )
    training, params = training_call(spec.training_sql, spec.train_start, spec.train_end)
    training = training.rstrip().rstrip(";")
    for value in params:  # DDL takes no bind parameters: each one as a checked literal
        if not isinstance(value, dt.datetime):
            raise ValueError("the training query's parameters are its time bounds")
        training = training.replace("%s", _literal(value), 1)
    columns = ", ".join(f"f.{validate_identifier(name)}" for name in spec.features)
    numbers = {
        "num_round": str(int(spec.num_round)),
        "max_depth": str(int(spec.max_depth)),
        "eta": str(float(spec.eta)),
        "max_cells": str(_CELLS_PER_ROW_LIMIT * (len(spec.features) + 1)),
        "max_runtime": str(int(spec.max_runtime_s)),
    }
    text = template.replace("/*columns*/", columns).replace("/*training*/", training)
    for name, value in numbers.items():
        text = text.replace(f"/*{name}*/", value)
    return _without_leading_comments(text)


def _key(text: str) -> str:
    return re.sub(r"[^a-z]+", " ", text.lower()).strip()


class RedshiftModelTraining(SessionBase):
    def create_model_sql(self, spec: CreateModelSpec) -> str:
        return render_create_model(self.settings.warehouse.schema_name, spec)

    async def create_model(self, spec: CreateModelSpec) -> None:
        await self.conn.execute(self.create_model_sql(spec))

    async def model_status(self, model_name: str) -> ModelStatus | None:
        sql = load_statement(
            "redshift",
            AREA,
            "show_model",
            schema=self.settings.warehouse.schema_name,
            model_name=model_name,
        )
        rows = await self.conn.fetch(_without_leading_comments(sql))
        details = {str(row[0]).strip(): str(row[1]).strip() for row in rows if len(row) >= 2}
        return parse_show_model(details)


def parse_show_model(details: dict[str, str]) -> ModelStatus | None:
    """``SHOW MODEL``'s key/value rows as a status; None when it returned nothing."""
    if not details:
        return None
    by_key = {_key(k): v for k, v in details.items()}
    state = by_key.get("model state", "UNKNOWN").upper()
    reason = next((v for k, v in by_key.items() if "reason" in k and v), None)
    return ModelStatus(state=state, reason=reason, details=details)
