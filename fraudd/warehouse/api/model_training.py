"""Training a model inside the warehouse (Redshift ML) and waiting for it.

``CREATE MODEL`` returns once the training data is exported to S3; SageMaker then trains in the
background and ``SHOW MODEL`` reports the state (READY, TRAINING, FAILED, ...) and, on failure,
Redshift's reason (Amazon Redshift Database Developer Guide: "CREATE MODEL" usage notes and
"SHOW MODEL", https://docs.aws.amazon.com/redshift/latest/dg/r_create_model_usage_notes.html,
https://docs.aws.amazon.com/redshift/latest/dg/r_SHOW_MODEL.html).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol


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
