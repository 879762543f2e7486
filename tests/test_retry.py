"""Retries only for errors known to be transient, with full jitter, capped by attempts and time."""

from __future__ import annotations

import random

import pytest

from fraudd.retry import RetriesExhausted, RetryPolicy, retry_async


class Transient(Exception):
    pass


def flaky(failures: int, error: Exception) -> tuple[list[int], object]:
    calls: list[int] = []

    async def operation() -> str:
        calls.append(1)
        if len(calls) <= failures:
            raise error
        return "done"

    return calls, operation


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, Transient)


def test_the_delay_is_full_jitter_below_the_exponential_cap() -> None:
    policy = RetryPolicy(base_s=0.1, cap_s=1.0)
    rng = random.Random(7)
    for attempt, upper in ((1, 0.2), (2, 0.4), (3, 0.8), (4, 1.0), (10, 1.0)):
        delays = [policy.delay(attempt, rng) for _ in range(200)]
        assert all(0 <= d <= upper for d in delays)
        assert max(delays) > upper * 0.8  # spread over the whole range, not a constant


async def test_a_transient_error_is_retried_until_it_succeeds() -> None:
    calls, operation = flaky(2, Transient())
    retried: list[int] = []
    policy = RetryPolicy(max_attempts=5, base_s=0.001, cap_s=0.002)
    result = await retry_async(
        operation,  # type: ignore[arg-type]
        is_transient=is_transient,
        policy=policy,
        name="put",
        on_retry=lambda: retried.append(1),
    )
    assert result == "done" and len(calls) == 3 and len(retried) == 2


async def test_any_other_error_is_raised_at_once() -> None:
    calls, operation = flaky(5, ValueError("bad request"))
    with pytest.raises(ValueError, match="bad request"):
        await retry_async(
            operation,  # type: ignore[arg-type]
            is_transient=is_transient,
            policy=RetryPolicy(base_s=0.001),
            name="put",
        )
    assert len(calls) == 1


async def test_attempts_are_capped_and_the_last_error_is_the_cause() -> None:
    calls, operation = flaky(100, Transient("throttled"))
    policy = RetryPolicy(max_attempts=4, base_s=0.001, cap_s=0.002)
    with pytest.raises(RetriesExhausted, match="put: gave up after 4 attempts") as raised:
        await retry_async(
            operation,  # type: ignore[arg-type]
            is_transient=is_transient,
            policy=policy,
            name="put",
        )
    assert len(calls) == 4 and isinstance(raised.value.__cause__, Transient)


async def test_time_is_capped_whatever_the_attempts_left() -> None:
    calls, operation = flaky(100, Transient())
    policy = RetryPolicy(max_attempts=1000, max_seconds=0.05, base_s=0.01, cap_s=0.02)
    with pytest.raises(RetriesExhausted):
        await retry_async(
            operation,  # type: ignore[arg-type]
            is_transient=is_transient,
            policy=policy,
            name="put",
        )
    assert 1 < len(calls) < 1000
