"""Isolated environments on the shared local stack, and ground-truth checks against it.

Each environment is built by the product's builder (:mod:`fraudd.localstack.environment`): its
own stream (with the shard count it asks for), topic, read-back queue and warehouse schema, so
tests never see each other's records.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

from fraudd.localstack import StackInfo
from fraudd.localstack import aws as local_aws
from fraudd.localstack.environment import LocalEnvironment, create_environment, isolated_settings
from fraudd.settings import Settings
from fraudd.sources.simple import SimpleSource
from fraudd.stream import Entry
from fraudd.tasks import producer
from fraudd.tasks.labels import LabelQueue
from fraudd.warehouse import Warehouse, connect, opened_warehouse

TEST_NAME = "t"
"""Test environments are named ``...-t-<tag>`` (schema ``t_<tag>``)."""


@dataclass
class Env:
    """A test's view of a built environment (``warehouse``: the pool :func:`scalar` keeps)."""

    settings: Settings
    queue_url: str
    topic_arn: str
    warehouse: Warehouse | None = None

    @classmethod
    def of(cls, built: LocalEnvironment) -> Env:
        assert built.queue_url is not None, "test environments have a read-back queue"
        return cls(built.settings, built.queue_url, built.topic_arn)

    @property
    def schema(self) -> str:
        return self.settings.warehouse.schema_name


async def make_env(
    stack: tuple[Settings, StackInfo], shards: int = 2, **sections: dict[str, Any]
) -> Env:
    """A fresh, migrated environment on the running local stack, from the product's builder:
    its own stream (``shards``), topic, read-back queue and schema; ``sections`` go on top.

    It is not removed: the session's stack is purged as a whole (suites that remove theirs use
    :func:`fraudd.localstack.environment.local_environment`)."""
    sections = {"http": {"port": 0}, **sections}
    settings = isolated_settings(stack[0], TEST_NAME, shards=shards, **sections)
    built = await create_environment(settings)
    return Env.of(built)


async def fetch_all(wh: Warehouse, sql: str, *args: Any) -> list[Any]:
    async with wh.acquire() as conn:
        return await conn.fetch(sql, *args)


async def decision_counts(env: Env) -> Counter[str]:
    """How many decisions each tx_id has (exactly-once means every value is 1)."""
    async with opened_warehouse(env.settings) as wh:
        rows = await fetch_all(
            wh, f"SELECT tx_id, count(*) FROM {env.schema}.decisions GROUP BY tx_id"
        )
    return Counter({r[0]: int(r[1]) for r in rows})


async def scalar(env: Env, sql: str, *args: Any) -> Any:
    """One value from the environment's schema (``{schema}`` in ``sql``); keeps a pool open."""
    if env.warehouse is None:
        env.warehouse = await connect(env.settings.warehouse)
    async with env.warehouse.acquire() as conn:
        return await conn.fetchval(sql.format(schema=env.schema), *args)


async def close_env(env: Env) -> None:
    """Close the pool :func:`scalar` opened for the environment."""
    if env.warehouse is not None:
        await env.warehouse.close()
        env.warehouse = None


def read_alerts(env: Env, max_empty_polls: int = 3) -> Counter[str]:
    """Alert ids received on the read-back queue (with multiplicity), draining it."""
    info_sqs = local_aws.client("sqs", env.settings, env.settings.endpoint("sqs") or "")
    received: Counter[str] = Counter()
    empty = 0
    while empty < max_empty_polls:
        resp = info_sqs.receive_message(
            QueueUrl=env.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
        )
        messages = resp.get("Messages", [])
        empty = 0 if messages else empty + 1
        for m in messages:
            envelope = json.loads(m["Body"])
            received[json.loads(envelope["Message"])["alert_id"]] += 1
        if messages:
            info_sqs.delete_message_batch(
                QueueUrl=env.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(messages)
                ],
            )
    return received


def recording_producer(
    env: Env, source: SimpleSource, rate: float, limit: int, sent: list[str], block_ttl_s: float
) -> producer.ProducerState:
    """A producer of ``limit`` swipes from ``source`` that appends each accepted tx_id to
    ``sent`` (the ground truth every loop test compares the warehouse with)."""

    def record(entries: list[Entry]) -> None:
        sent.extend(json.loads(e.data)["tx_id"] for e in entries)

    return producer.ProducerState(
        source,
        rate,
        producer.BlockCache(block_ttl_s),
        LabelQueue(env.settings.producer.label_delay_days),
        limit=limit,
        on_sent=record,
    )


async def run_until(
    stack: AsyncExitStack, condition: Any, timeout_s: float, every_s: float = 0.25
) -> bool:
    """Poll an async ``condition()`` until true or timeout."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while loop.time() < deadline:
        if await condition():
            return True
        await asyncio.sleep(every_s)
    return False
