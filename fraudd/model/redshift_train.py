"""``fraudd train --backend redshift-ml``: CREATE MODEL, then wait until Redshift ML is done.

Steps, in order:
1. ``CREATE MODEL`` on a connection of its own whose statement timeout is
   ``redshift.create_model_timeout_s``: the statement returns only after Redshift has exported
   the training data to S3, which takes longer than the daemon's 30 s timeout on real history
   ("CREATE MODEL" usage notes: "returns upon the export of training data to Amazon S3. The
   remaining steps of training in Amazon SageMaker occur in the background",
   https://docs.aws.amazon.com/redshift/latest/dg/r_create_model_usage_notes.html);
2. ``SHOW MODEL`` every ``poll_s`` on an ordinary connection until the state is READY or
   FAILED (or the model's MAX_RUNTIME plus a margin passes), reporting each state change;
3. FAILED raises :class:`ModelTrainingFailed` with the reason ``SHOW MODEL`` gives.

Errors a first run meets (no grant, no role, no bucket) become :class:`ModelTrainingFailed` with
one line saying what is missing and how to fix it (:func:`explain`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable

from fraudd.features import FEATURES, feature_queries
from fraudd.settings import Settings
from fraudd.warehouse import CreateModelSpec, ModelStatus, WarehouseError, opened_warehouse

ProgressFn = Callable[[ModelStatus, float], None]
RUNTIME_MARGIN_S = 1800.0
"""SageMaker stops training at MAX_RUNTIME; Redshift then still compiles the model."""


class ModelTrainingFailed(Exception):
    """Training did not produce a READY model; the message is one line for the operator."""


def create_model_spec(
    settings: Settings,
    train_end: dt.datetime,
    train_days: int,
    *,
    s3_bucket: str,
    model_name: str | None = None,
) -> CreateModelSpec:
    """What to train: the training features over ``[train_end - train_days, train_end)``, with
    :class:`CreateModelSpec`'s hyper-parameters (``dataclasses.replace`` changes them)."""
    rs = settings.redshift
    training = feature_queries("redshift", settings.warehouse.schema_name).training
    return CreateModelSpec(
        model_name=model_name or rs.model_name,
        function=settings.scoring.redshift_ml_function,
        iam_role=rs.ml_iam_role,
        s3_bucket=s3_bucket,
        features=FEATURES,
        training_sql=training,
        train_start=train_end - dt.timedelta(days=train_days),
        train_end=train_end,
    )


def explain(exc: WarehouseError, settings: Settings) -> str:
    """One line naming what is missing (grant, role, bucket) and how to fix it."""
    text = str(exc)
    lower = text.lower()
    user = settings.warehouse.user if not settings.warehouse.iam_auth else "IAMR:<instance role>"
    if exc.sqlstate == "42501" or "permission denied" in lower:
        return (
            f"the database user may not create models ({text}): as the admin run "
            f'GRANT CREATE MODEL TO "{user}"; and GRANT CREATE, USAGE ON SCHEMA '
            f'{settings.warehouse.schema_name} TO "{user}"; (docs/operations.md#grants)'
        )
    if ("iam" in lower and "role" in lower) or "assume" in lower:
        return (
            f"Redshift cannot use the IAM role {settings.redshift.ml_iam_role!r} "
            f"(redshift.ml_iam_role) for CREATE MODEL ({text}): attach the stack's "
            "RedshiftMlRoleArn to the namespace or cluster (as its default role for 'default')"
        )
    if "bucket" in lower or "s3" in lower:
        return (
            f"Redshift ML cannot write to S3 bucket {settings.redshift.s3_bucket!r} "
            f"(redshift.s3_bucket) ({text}): set it to the stack's StagingBucketName output, "
            "in the warehouse's region, reachable by redshift.ml_iam_role"
        )
    return f"CREATE MODEL failed: {text}"


async def train_redshift_ml(
    settings: Settings,
    spec: CreateModelSpec,
    *,
    progress: ProgressFn | None = None,
    poll_s: float = 30.0,
) -> ModelStatus:
    """Create the model and wait for it; return the READY status or raise ModelTrainingFailed."""
    await _create(settings, spec)  # 1
    return await _wait(settings, spec, progress, poll_s)  # 2, 3


async def _create(settings: Settings, spec: CreateModelSpec) -> None:
    timeout = settings.redshift.create_model_timeout_s
    long = settings.derive(warehouse={"statement_timeout_s": timeout, "pool_size": 1})
    try:
        async with opened_warehouse(long) as wh, wh.session() as session:
            await session.create_model(spec)
    except WarehouseError as exc:
        raise ModelTrainingFailed(explain(exc, settings)) from None


async def _wait(
    settings: Settings, spec: CreateModelSpec, progress: ProgressFn | None, poll_s: float
) -> ModelStatus:
    """Poll ``SHOW MODEL`` until READY; FAILED or a timeout raise ModelTrainingFailed."""
    name = f"{settings.warehouse.schema_name}.{spec.model_name}"
    started = time.monotonic()
    deadline = started + spec.max_runtime_s + RUNTIME_MARGIN_S
    async with opened_warehouse(settings) as wh:
        last: str | None = None
        while True:
            async with wh.session() as session:
                status = await session.model_status(spec.model_name)
            if status is None:
                raise ModelTrainingFailed(f"model {name} does not exist after CREATE MODEL")
            if progress is not None and (status.state != last or not status.finished):
                progress(status, time.monotonic() - started)
            last = status.state
            if status.state == "READY":
                return status
            if status.state == "FAILED":
                reason = status.reason or "SHOW MODEL gives no reason"
                raise ModelTrainingFailed(f"Redshift ML training of {name} FAILED: {reason}")
            if time.monotonic() > deadline:
                raise ModelTrainingFailed(
                    f"model {name} still {status.state} after MAX_RUNTIME "
                    f"({spec.max_runtime_s} s) plus {RUNTIME_MARGIN_S:.0f} s: see SHOW MODEL"
                )
            await asyncio.sleep(poll_s)
