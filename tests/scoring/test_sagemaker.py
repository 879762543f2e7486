"""The sagemaker backend: its CSV wire format, and the protocol against moto's SageMaker runtime."""

from __future__ import annotations

import json
import urllib.request
from contextlib import AsyncExitStack
from typing import Any

import numpy as np
import pytest

from fraudd import aws
from fraudd.features import FEATURES
from fraudd.scoring.sagemaker import MAX_ROWS_PER_CALL, SageMakerScorer, parse_scores, to_csv
from fraudd.scoring.thresholds import Thresholds
from fraudd.settings import Settings


def test_csv_body_marks_missing_values_empty() -> None:
    body = to_csv(np.array([[1.5, np.nan, 3.0], [0.1, 2.0, np.nan]]))
    assert body == b"1.5,,3.0\n0.1,2.0,\n"


def test_parse_scores_accepts_csv_lines_commas_and_json() -> None:
    assert parse_scores(b"0.1\n0.9\n", 2).tolist() == [0.1, 0.9]
    assert parse_scores(b"0.1,0.9", 2).tolist() == [0.1, 0.9]
    assert parse_scores(b'{"predictions": [{"score": 0.3}]}', 1).tolist() == [0.3]
    with pytest.raises(ValueError, match="1 scores for 2 rows"):
        parse_scores(b"0.5", 2)


def _queue_endpoint_result(moto_endpoint: str, region: str, body: str) -> None:
    payload = {"region": region, "results": [{"Body": body, "ContentType": "text/csv"}]}
    request = urllib.request.Request(
        f"{moto_endpoint}/moto-api/static/sagemaker/endpoint-results",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as resp:
        assert resp.status in (200, 201)


async def test_sagemaker_scorer_round_trip_on_moto(local_stack: tuple[Settings, Any]) -> None:
    settings, info = local_stack
    settings = settings.derive(
        **{"aws": settings.aws.derive(**{"endpoint_url": info.moto_endpoint})}
    )
    _queue_endpoint_result(info.moto_endpoint, settings.aws.region, "0.05\n0.97\n0.40\n")
    features = np.random.default_rng(1).random((3, len(FEATURES)))
    columns = np.arange(len(FEATURES), dtype=np.intp)
    async with AsyncExitStack() as stack:
        client = await aws.open_client(stack, settings, "sagemaker-runtime")
        scorer = SageMakerScorer(client, "fraudd-endpoint", "3", Thresholds(0.3, 0.9), columns)
        result = await scorer.score(features)
    assert result.scores.tolist() == [0.05, 0.97, 0.40]
    assert result.reasons == [(), (), ()]


async def test_large_batches_are_split_into_calls_and_joined_in_order(
    local_stack: tuple[Settings, Any],
) -> None:
    """MAX_ROWS_PER_CALL + 1 rows: two InvokeEndpoint calls, answered in the order sent."""
    settings, info = local_stack
    settings = settings.derive(aws=settings.aws.derive(endpoint_url=info.moto_endpoint))
    first = [round(i / MAX_ROWS_PER_CALL, 6) for i in range(MAX_ROWS_PER_CALL)]
    _queue_endpoint_result(info.moto_endpoint, settings.aws.region, "\n".join(map(str, first)))
    _queue_endpoint_result(info.moto_endpoint, settings.aws.region, "0.99\n")
    features = np.random.default_rng(2).random((MAX_ROWS_PER_CALL + 1, len(FEATURES)))
    columns = np.array([FEATURES.index("amount"), FEATURES.index("amount_ratio_30d")])
    async with AsyncExitStack() as stack:
        client = await aws.open_client(stack, settings, "sagemaker-runtime")
        scorer = SageMakerScorer(client, "fraudd-split", "4", Thresholds(0.3, 0.9), columns)
        result = await scorer.score(features)
        empty = await scorer.score(features[:0])
    assert result.scores.tolist() == [*first, 0.99]
    assert len(result.reasons) == MAX_ROWS_PER_CALL + 1
    assert empty.scores.size == 0 and empty.reasons == []


class Recorder:
    """What the scorer sends (the request body is pure logic: no endpoint needed to read it)."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def invoke_endpoint(self, **kwargs: Any) -> dict[str, Any]:
        self.bodies.append(kwargs["Body"])
        rows = kwargs["Body"].count(b"\n")

        class Body:
            async def read(self) -> bytes:
                return b"0.5\n" * rows

        return {"Body": Body()}


async def test_only_the_model_columns_are_sent_in_the_model_order() -> None:
    features = np.array([[1.0, 2.0, 3.0, np.nan], [5.0, 6.0, 7.0, 8.0]])
    client = Recorder()
    scorer = SageMakerScorer(client, "e", "1", Thresholds(0.3, 0.9), np.array([3, 0]))
    await scorer.score(features)
    assert client.bodies == [b",1.0\n8.0,5.0\n"]


def test_parse_scores_accepts_a_json_list() -> None:
    assert parse_scores(b"[0.25, 0.75]", 2).tolist() == [0.25, 0.75]
    assert parse_scores(b'{"predictions": [0.5, 0.6]}\n', 2).tolist() == [0.5, 0.6]
