"""The local-environment builder: isolated names, what it creates, and that teardown removes it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydantic import ValidationError

from fraudd.localstack import StackInfo
from fraudd.localstack import aws as local_aws
from fraudd.localstack.environment import (
    Migrated,
    NoSchema,
    create_environment,
    isolated_settings,
    local_environment,
    remove_environment,
)
from fraudd.settings import Settings
from fraudd.warehouse import opened_warehouse

pytestmark = pytest.mark.timeout(120)


def test_every_name_is_the_environments_own_and_overrides_go_on_top() -> None:
    base = Settings()
    one = isolated_settings(base, "t", shards=3, warehouse={"statement_timeout_s": 7.0})
    two = isolated_settings(base, "t")
    assert one.kinesis.stream_name.startswith(f"{base.kinesis.stream_name}-t-")
    assert one.sns.topic_name.startswith(f"{base.sns.topic_name}-t-")
    assert one.sqs.queue_name.startswith(f"{base.sqs.queue_name}-t-")
    assert one.warehouse.schema_name.startswith("t_") and one.kinesis.shard_count == 3
    assert one.warehouse.statement_timeout_s == 7.0  # the override kept the isolated schema
    assert {one.kinesis.stream_name, one.warehouse.schema_name}.isdisjoint(
        {two.kinesis.stream_name, two.warehouse.schema_name}
    )
    demo = isolated_settings(base, "demo", unique=False)
    assert (demo.warehouse.schema_name, demo.kinesis.stream_name) == (
        "demo",
        "fraudd-transactions-demo",
    )


def test_fifo_names_keep_their_suffix_and_variants_are_validated() -> None:
    fifo = Settings().derive(
        sns={"fifo": True, "topic_name": "alerts.fifo"}, sqs={"queue_name": "back.fifo"}
    )
    named = isolated_settings(fifo, "t")
    assert named.sns.topic_name.endswith(".fifo") and named.sqs.queue_name.endswith(".fifo")
    with pytest.raises(ValidationError):
        isolated_settings(Settings(), "t", warehouse={"schema_name": "x; DROP TABLE y"})


def _exists(settings: Settings, topic_arn: str, queue_url: str | None) -> dict[str, bool]:
    kinesis = local_aws.client("kinesis", settings, settings.endpoint("kinesis") or "")
    sns = local_aws.client("sns", settings, settings.endpoint("sns") or "")
    sqs = local_aws.client("sqs", settings, settings.endpoint("sqs") or "")
    streams = kinesis.list_streams(Limit=1000)["StreamNames"]
    topics = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
    queues = sqs.list_queues().get("QueueUrls", [])
    return {
        "stream": settings.kinesis.stream_name in streams,
        "topic": topic_arn in topics,
        "queue": queue_url in queues,
    }


async def _schema_exists(settings: Settings) -> bool:
    async with opened_warehouse(settings) as wh, wh.acquire() as conn:
        found = await conn.fetchval(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name = %s",
            settings.warehouse.schema_name,
        )
    return bool(found)


async def test_the_block_has_its_resources_and_schema_and_leaving_it_removes_them(
    local_stack: tuple[Settings, StackInfo],
) -> None:
    async with local_environment(local_stack[0], "t", shards=1) as env:
        made = await asyncio.to_thread(_exists, env.settings, env.topic_arn, env.queue_url)
        assert made == {"stream": True, "topic": True, "queue": True}
        assert await _schema_exists(env.settings)
        assert env.settings.sns.topic_arn == env.topic_arn
        assert isinstance(env.schema_plan, Migrated) and env.schema_plan.applied
    gone = await asyncio.to_thread(_exists, env.settings, env.topic_arn, env.queue_url)
    assert gone == {"stream": False, "topic": False, "queue": False}
    assert not await _schema_exists(env.settings)


async def test_a_fresh_build_starts_from_nothing_under_the_same_names(
    local_stack: tuple[Settings, StackInfo],
) -> None:
    named = isolated_settings(local_stack[0], "t")
    first = await create_environment(named)
    sqs: Any = local_aws.client("sqs", first.settings, first.settings.endpoint("sqs") or "")
    await asyncio.to_thread(sqs.send_message, QueueUrl=first.queue_url, MessageBody="stale")
    async with opened_warehouse(first.settings) as wh, wh.acquire() as conn:
        await conn.execute(f"CREATE TABLE {first.schema}.leftover (a int)")
    again = await create_environment(named, fresh=True)
    assert again.drained == 1
    async with opened_warehouse(again.settings) as wh, wh.acquire() as conn:
        assert await conn.fetchval(f"SELECT to_regclass('{again.schema}.leftover')") is None
    await remove_environment(again)


async def test_no_schema_and_no_queue_when_asked(local_stack: tuple[Settings, StackInfo]) -> None:
    async with local_environment(
        local_stack[0], "t", stream=False, queue=False, schema=NoSchema()
    ) as env:
        assert env.queue_url is None
        assert not await _schema_exists(env.settings)
        made = await asyncio.to_thread(_exists, env.settings, env.topic_arn, None)
        assert made["topic"] and not made["stream"]
