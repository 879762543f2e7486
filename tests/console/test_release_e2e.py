"""End to end on the local stack: a blocked card is declined at the till until an investigator
releases it, and the producer (the card application) lets it through again within its
block-cache TTL. Real kinesalite, real PostgreSQL, the release through the seam's cases area."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fraudd.cases import service
from fraudd.deps import open_deps
from fraudd.metrics import create_metrics
from fraudd.sources.base import Draft
from fraudd.stream import Entry
from fraudd.tasks import producer
from fraudd.tasks.labels import LabelQueue
from tests.e2e.harness import make_env

pytestmark = pytest.mark.timeout(120)
TTL_S = 1.0
BATCH_WINDOW_S = producer.BATCH_WINDOW_S
CARDS = ("card-released", "card-other")


class TwoCards:
    """Swipes alternating between two cards, one second of event time apart."""

    def __init__(self) -> None:
        self.start = datetime.now(UTC) - timedelta(days=1)
        self.n = itertools.count()
        self.now = self.start

    def take(self, n: int) -> list[Draft]:
        out = []
        for _ in range(n):
            i = next(self.n)
            self.now = self.start + timedelta(seconds=i)
            out.append(Draft(f"tx-e2e-{i:07d}", self.now, CARDS[i % 2], "4242", f"C-{i % 2}",
                             "T-1", 10.0, "5411", "pos", 1.0, 2.0))  # fmt: skip
        return out

    def clock(self) -> datetime:
        return self.now


async def test_the_producer_honours_a_release_within_its_ttl(local_stack: Any) -> None:
    env = await make_env(local_stack, shards=1, producer={"block_cache_ttl_s": TTL_S})
    sent: list[tuple[float, str]] = []

    def record(entries: list[Entry]) -> None:
        sent.extend((time.monotonic(), json.loads(e.data)["card_token"]) for e in entries)

    state = producer.ProducerState(
        TwoCards(), 100.0, producer.BlockCache(TTL_S), LabelQueue(7), on_sent=record
    )
    stop = asyncio.Event()
    metrics = create_metrics()
    async with AsyncExitStack() as stack:
        deps = await open_deps(env.settings, stack, ("producer",), metrics)
        async with deps.warehouse.session() as s, s.transaction():
            await s.set_block(CARDS[0], "tx-e2e-0000000", "fraudd decision",
                              datetime.now(UTC) + timedelta(hours=1))  # fmt: skip
        task = asyncio.create_task(producer.run(deps, stop, state))
        await asyncio.sleep(2.0)
        declined = metrics.registry.get_sample_value(
            "fraudd_swipes_declined_total", {"fraud": "unknown"}
        )
        assert declined and declined >= 50  # half of ~200 swipes
        assert {card for _, card in sent} == {CARDS[1]}  # the blocked card never reached Kinesis
        actor = service.Actor("ines@bank.example", "investigator")
        async with deps.warehouse.session() as s, s.transaction():
            assert await service.release_block(
                s, actor, CARDS[0], "customer called", datetime.now(UTC)
            )
        released_at = time.monotonic()
        for _ in range(100):
            if any(card == CARDS[0] for _, card in sent):
                break
            await asyncio.sleep(0.05)
        stop.set()
        await task
    first = min(t for t, card in sent if card == CARDS[0])
    waited = first - released_at
    print(f"release honoured after {waited:.3f} s (TTL {TTL_S} s)")
    assert waited <= TTL_S + BATCH_WINDOW_S + 0.3
