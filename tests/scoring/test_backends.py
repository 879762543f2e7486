"""The sagemaker backend against moto's SageMaker runtime (protocol), and redshift-ml's SQL."""

from __future__ import annotations

import json
import urllib.request
from contextlib import AsyncExitStack
from typing import Any

import numpy as np
import pytest

from fraudd import aws
from fraudd.features import FEATURES
from fraudd.scoring.sagemaker import SageMakerScorer, parse_scores, to_csv
from fraudd.settings import Settings
from fraudd.warehouse.api.models import Thresholds


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
