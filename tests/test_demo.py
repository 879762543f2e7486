"""The demo's alert read-back, against moto's SNS and SQS (the queue subscribed to the topic)."""

from __future__ import annotations

import asyncio
import json
from contextlib import AsyncExitStack
from typing import Any

from fraudd import aws
from fraudd.demo import AlertReader
from fraudd.localstack.stack import StackInfo
from fraudd.settings import Settings
from tests.e2e.harness import make_env


async def _publish(sns: Any, topic_arn: str, ids: list[str]) -> None:
    for start in range(0, len(ids), 10):
        entries = [
            {
                "Id": str(i),
                "Message": json.dumps({"alert_id": tx}),
                "MessageAttributes": {"alert_id": {"DataType": "String", "StringValue": tx}},
            }
            for i, tx in enumerate(ids[start : start + 10])
        ]
        await sns.publish_batch(TopicArn=topic_arn, PublishBatchRequestEntries=entries)


async def test_reader_keeps_the_queue_empty_while_running_and_counts_every_alert(
    local_stack: tuple[Settings, StackInfo],
) -> None:
    env = await make_env(local_stack)
    ids = [f"tx-{n:04d}" for n in range(95)]
    async with AsyncExitStack() as stack:
        sns = await aws.open_client(stack, env.settings, "sns")
        reader = await AlertReader.open(env.settings, stack)
        stop = asyncio.Event()
        running = asyncio.create_task(reader.run(None, stop))  # type: ignore[arg-type]
        await _publish(sns, env.topic_arn, ids[:60])
        for _ in range(100):  # read as they arrive, not only at the end
            if len(reader.received) == 60:
                break
            await asyncio.sleep(0.1)
        assert len(reader.received) == 60
        stop.set()
        await running
        await _publish(sns, env.topic_arn, ids[60:])
        assert await reader.drain(expected=len(ids)) == len(ids)
        assert reader.received == set(ids)
        attrs = await reader.client.get_queue_attributes(
            QueueUrl=reader.url, AttributeNames=["ApproximateNumberOfMessages"]
        )
        assert attrs["Attributes"]["ApproximateNumberOfMessages"] == "0"
