"""Redshift ML: ``CREATE MODEL`` from the training features, and ``SHOW MODEL``."""

from __future__ import annotations

import datetime as dt
import re

from fraudd.warehouse.api.model_training import CreateModelSpec, ModelStatus
from fraudd.warehouse.session import SessionBase
from fraudd.warehouse.shared.features import training_call
from fraudd.warehouse.sqlfiles import load_statement, validate_identifier

AREA = "model_training"
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
