"""Retries for errors known to be transient: full jitter, capped by attempts and by time."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import structlog

T = TypeVar("T")
log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter (AWS Architecture Blog), bounded both ways."""

    max_attempts: int = 8
    max_seconds: float = 30.0
    base_s: float = 0.05
    cap_s: float = 2.0

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Sleep before retry number ``attempt`` (1-based): U(0, min(cap, base·2^attempt))."""
        upper = min(self.cap_s, self.base_s * (2**attempt))
        return (rng or random).uniform(0, upper)


class RetriesExhausted(Exception):
    """The operation kept failing transiently until the attempt or time budget ran out."""


async def retry_async(
    operation: Callable[[], Awaitable[T]],
    *,
    is_transient: Callable[[BaseException], bool],
    policy: RetryPolicy,
    name: str,
    on_retry: Callable[[], None] | None = None,
) -> T:
    """Await ``operation()``; retry only when ``is_transient(error)``, within ``policy``'s caps."""
    started = time.monotonic()
    attempt = 0
    while True:
        attempt += 1
        try:
            return await operation()
        except Exception as exc:
            if not is_transient(exc):
                raise
            elapsed = time.monotonic() - started
            if attempt >= policy.max_attempts or elapsed >= policy.max_seconds:
                raise RetriesExhausted(f"{name}: gave up after {attempt} attempts") from exc
            pause = policy.delay(attempt)
            log.warning(
                "retry.scheduled",
                operation=name,
                attempt=attempt,
                error=type(exc).__name__,
                sleep_s=round(pause, 3),
            )
            if on_retry is not None:
                on_retry()
            await asyncio.sleep(pause)
