"""The AWS client helpers: timestamp parsing fast path, transient-error classification."""

from __future__ import annotations

import datetime as dt

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from botocore.utils import parse_timestamp

from fraudd.aws import fast_timestamp, is_transient


@pytest.mark.parametrize("value", [0, 1_764_000_000, 1_764_000_000.123, 4_102_444_800.5])
def test_epoch_seconds_give_the_same_instant_as_botocore(value: float) -> None:
    parsed = fast_timestamp(value)
    assert parsed == parse_timestamp(value)
    assert parsed.tzinfo is dt.UTC


@pytest.mark.parametrize("value", ["2026-11-28T16:40:00.250Z", "Sat, 28 Nov 2026 16:40:00 GMT"])
def test_text_timestamps_still_go_through_botocore(value: str) -> None:
    assert fast_timestamp(value) == parse_timestamp(value)


def test_only_throttling_5xx_and_network_errors_are_transient() -> None:
    def client_error(code: str, status: int) -> ClientError:
        body = {"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}
        return ClientError(body, "PutRecords")  # type: ignore[arg-type]

    assert is_transient(client_error("ProvisionedThroughputExceededException", 400))
    assert is_transient(client_error("Whatever", 503))
    assert is_transient(EndpointConnectionError(endpoint_url="http://127.0.0.1:1"))
    assert not is_transient(client_error("ValidationException", 400))
    assert not is_transient(ValueError("bug"))
