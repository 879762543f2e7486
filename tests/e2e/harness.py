"""Isolated environments on the shared local stack, and ground-truth checks against it.

Each environment gets its own stream (with the shard count it asks for), topic, read-back queue
and warehouse schema, so tests never see each other's records.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

from fraudd.localstack import StackInfo
from fraudd.localstack import aws as local_aws
from fraudd.localstack import kinesis as local_kinesis
from fraudd.localstack import moto as local_moto
from fraudd.settings import Settings
from fraudd.warehouse import Warehouse, connect
from fraudd.warehouse.migrate import migrate


@dataclass
class Env:
    settings: Settings
    queue_url: str
    topic_arn: str
    warehouse: Warehouse | None = None

    @property
    def schema(self) -> str:
        return self.settings.warehouse.schema_name


def isolated_settings(base: Settings, shards: int = 2, **sections: dict[str, Any]) -> Settings:
    """Copy of ``base`` with unique stream, topic, queue and schema names."""
    tag = uuid.uuid4().hex[:10]
    update: dict[str, Any] = {
        "kinesis": base.kinesis.derive(**{"stream_name": f"fraudd-t-{tag}", "shard_count": shards}),
        "sns": base.sns.derive(**{"topic_name": f"fraudd-t-{tag}", "topic_arn": None}),
        "sqs": base.sqs.derive(**{"queue_name": f"fraudd-t-{tag}"}),
        "warehouse": base.warehouse.derive(**{"schema_name": f"t_{tag}"}),
        "http": base.http.derive(**{"port": 0}),
    }
    for name, values in sections.items():
        update[name] = update.get(name, getattr(base, name)).derive(**values)
    return base.derive(**update)


def _create_aws_resources(settings: Settings, info: StackInfo) -> tuple[str, str]:
    kinesis = local_aws.client("kinesis", settings, info.kinesis_endpoint)
    local_kinesis.ensure_stream(kinesis, settings.kinesis.stream_name, settings.kinesis.shard_count)
    sns = local_aws.client("sns", settings, info.moto_endpoint)
    sqs = local_aws.client("sqs", settings, info.moto_endpoint)
    return local_moto.ensure_resources(sns, sqs, settings.sns, settings.sqs)


async def make_env(
    stack: tuple[Settings, StackInfo], shards: int = 2, **sections: dict[str, Any]
) -> Env:
    """A fresh, migrated environment on the running local stack."""
    base, info = stack
    settings = isolated_settings(base, shards, **sections)
    topic_arn, queue_url = await asyncio.to_thread(_create_aws_resources, settings, info)
    settings = settings.derive(**{"sns": settings.sns.derive(**{"topic_arn": topic_arn})})
    wh = await connect(settings.warehouse)
    try:
        await migrate(wh, settings)
    finally:
        await wh.close()
    return Env(settings, queue_url, topic_arn)


async def fetch_all(wh: Warehouse, sql: str, *args: Any) -> list[Any]:
    async with wh.acquire() as conn:
        return await conn.fetch(sql, *args)


async def decision_counts(env: Env) -> Counter[str]:
    """How many decisions each tx_id has (exactly-once means every value is 1)."""
    wh = await connect(env.settings.warehouse)
    try:
        rows = await fetch_all(
            wh, f"SELECT tx_id, count(*) FROM {env.schema}.decisions GROUP BY tx_id"
        )
    finally:
        await wh.close()
    return Counter({r[0]: int(r[1]) for r in rows})


async def scalar(env: Env, sql: str, *args: Any) -> Any:
    """One value from the environment's schema (``{schema}`` in ``sql``); keeps a pool open."""
    if env.warehouse is None:
        env.warehouse = await connect(env.settings.warehouse)
    async with env.warehouse.acquire() as conn:
        return await conn.fetchval(sql.format(schema=env.schema), *args)


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
