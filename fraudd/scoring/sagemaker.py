"""The ``sagemaker`` backend: a SageMaker endpoint serving the exported XGBoost model.

Features are sent as CSV batches (the XGBoost container's ``text/csv`` input: no header, one row
per transaction, an empty field for a missing value) through ``InvokeEndpoint``; the endpoint
answers one score per row. The endpoint cannot explain its scores, so alerts carry the rules'
reason codes only. Thresholds come from the registered model the endpoint was exported from.
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np

from fraudd.aws import is_transient
from fraudd.retry import RetryPolicy, retry_async
from fraudd.scoring.base import ScoreResult
from fraudd.scoring.thresholds import Thresholds

MAX_ROWS_PER_CALL = 1000  # ~200 kB of CSV: far below InvokeEndpoint's 6 MB payload limit


def to_csv(matrix: np.ndarray) -> bytes:
    """Rows as CSV, ``repr``-exact floats, NaN as an empty field."""
    out = io.StringIO()
    for row in matrix:
        out.write(",".join("" if math.isnan(v) else repr(float(v)) for v in row))
        out.write("\n")
    return out.getvalue().encode()


def parse_scores(body: bytes, expected: int) -> np.ndarray:
    """Scores from a CSV (newline- or comma-separated) or JSON-lines answer."""
    text = body.decode().strip()
    if text.startswith("{") or text.startswith("["):
        import json

        data = json.loads(text)
        values = data.get("predictions", data) if isinstance(data, dict) else data
        scores = np.array(
            [v["score"] if isinstance(v, dict) else v for v in values], dtype=np.float64
        )
    else:
        scores = np.array(text.replace("\n", ",").split(","), dtype=np.float64)
    if len(scores) != expected:
        raise ValueError(f"endpoint returned {len(scores)} scores for {expected} rows")
    return scores


class SageMakerScorer:
    """Scores feature matrices on a SageMaker endpoint."""

    def __init__(
        self, client: Any, endpoint: str, version: str, thresholds: Thresholds, columns: np.ndarray
    ) -> None:
        self.client = client
        self.endpoint = endpoint
        self.version = version
        self.thresholds = thresholds
        self._columns = columns
        self._policy = RetryPolicy(max_attempts=4, max_seconds=10.0)

    async def score(self, features: np.ndarray) -> ScoreResult:
        matrix = features[:, self._columns]
        parts = [
            await self._invoke(matrix[i : i + MAX_ROWS_PER_CALL])
            for i in range(0, len(matrix), MAX_ROWS_PER_CALL)
        ]
        scores = np.concatenate(parts) if parts else np.empty(0, dtype=np.float64)
        return ScoreResult(scores, [()] * len(scores))

    async def _invoke(self, rows: np.ndarray) -> np.ndarray:
        async def call() -> np.ndarray:
            resp = await self.client.invoke_endpoint(
                EndpointName=self.endpoint,
                ContentType="text/csv",
                Accept="text/csv",
                Body=to_csv(rows),
            )
            body = await resp["Body"].read()
            return parse_scores(body, len(rows))

        return await retry_async(
            call, is_transient=is_transient, policy=self._policy, name="sagemaker.invoke_endpoint"
        )
