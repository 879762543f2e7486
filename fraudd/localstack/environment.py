"""One local environment on a running local stack: names of its own, its AWS resources, its schema.

The demo, the benchmarks and the tests build every environment here::

    async with local_environment(stacked, "bench", shards=4) as env:
        ...  # env.settings: the stream, topic, queue and schema are this environment's own

``stacked`` are settings that point at a running stack (:func:`fraudd.localstack.stack_settings`).
:func:`create_environment` is the same builder for an environment that outlives one block (the
demo keeps its environment for inspection; a test session's stack is purged as a whole), and
:func:`remove_environment` is the teardown the context manager runs.

Steps, in order:

1. names — :func:`isolated_settings` derives (and so re-validates) settings whose stream, topic and
   queue names end in ``-<name>-<tag>`` and whose schema is ``<name>_<tag>`` (``<name>`` alone
   when not unique), with the caller's section overrides applied on top of those names;
2. AWS resources — the stream with its shard count (deleted first when ``fresh``), the topic, and
   the read-back queue subscribed to it (emptied when ``fresh``), in a worker thread because the
   local stack's clients block;
3. schema — the :class:`SchemaPlan` makes it and returns the settings that use it: by default
   :class:`Migrated` (the product's migrations, as ``fraudd migrate`` applies them); the tests'
   Redshift mode passes its own plan (the Redshift migrations, the runbook's grants, the daemon's
   restricted user).

Teardown reverses the steps: the plan drops its schema, then the queue, topic and stream are
deleted (kinesalite counts every stream's shards against one account limit).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, Protocol

from fraudd.localstack import aws as local_aws
from fraudd.localstack import kinesis as local_kinesis
from fraudd.localstack import moto as local_moto
from fraudd.settings import Settings
from fraudd.warehouse import apply_migrations as migrate
from fraudd.warehouse import drop_schema, opened_warehouse

TAG_LENGTH = 10


class SchemaPlan(Protocol):
    """How an environment's warehouse schema is made and dropped (one plan per environment)."""

    async def create(self, settings: Settings, *, fresh: bool) -> Settings:
        """Make the schema ``settings.warehouse.schema_name`` (dropped first when ``fresh``);
        return the settings that use it."""

    async def drop(self, settings: Settings) -> None:
        """Drop what :meth:`create` made (``settings`` are the ones it returned)."""


@dataclass
class Migrated:
    """The product's migrations on the configured warehouse; ``applied`` lists what ran."""

    applied: list[str] = field(default_factory=list)

    async def create(self, settings: Settings, *, fresh: bool) -> Settings:
        async with opened_warehouse(settings) as wh:
            if fresh:
                await drop_schema(wh)
            self.applied = await migrate(wh, settings)
        return settings

    async def drop(self, settings: Settings) -> None:
        async with opened_warehouse(settings) as wh:
            await drop_schema(wh)


@dataclass(frozen=True)
class LocalEnvironment:
    """What :func:`create_environment` made; ``settings`` point at all of it."""

    settings: Settings
    topic_arn: str
    queue_url: str | None
    schema_plan: SchemaPlan
    has_stream: bool
    drained: int = 0
    """Stale messages a ``fresh`` build emptied from the read-back queue."""

    @property
    def schema(self) -> str:
        return self.settings.warehouse.schema_name


def _suffixed(name: str, suffix: str) -> str:
    """``name-suffix``, keeping a FIFO name's ``.fifo`` at the end."""
    fifo = local_moto.FIFO_SUFFIX
    if name.endswith(fifo):
        return f"{name.removesuffix(fifo)}-{suffix}{fifo}"
    return f"{name}-{suffix}"


def isolated_settings(
    base: Settings,
    name: str,
    *,
    unique: bool = True,
    shards: int | None = None,
    **sections: Any,
) -> Settings:
    """``base`` with the environment's own stream, topic, queue and schema names (and
    ``shards``), then ``sections`` merged on top; validated again as a whole."""
    suffix = f"{name}-{uuid.uuid4().hex[:TAG_LENGTH]}" if unique else name
    names: dict[str, dict[str, Any]] = {
        "kinesis": {"stream_name": _suffixed(base.kinesis.stream_name, suffix)},
        "sns": {"topic_name": _suffixed(base.sns.topic_name, suffix), "topic_arn": None},
        "sqs": {"queue_name": _suffixed(base.sqs.queue_name, suffix)},
        "warehouse": {"schema_name": suffix.replace("-", "_")},
    }
    if shards is not None:
        names["kinesis"]["shard_count"] = shards
    for section, values in sections.items():
        names[section] = {**names.get(section, {}), **values}
    return base.derive(**names)


def _client(service: str, settings: Settings) -> Any:
    return local_aws.client(service, settings, settings.endpoint(service) or "")  # type: ignore[arg-type]


def _fresh_stream(settings: Settings) -> None:
    """Delete the stream if it exists and wait until it is gone (instant on kinesalite)."""
    client, name = _client("kinesis", settings), settings.kinesis.stream_name
    with suppress(client.exceptions.ResourceNotFoundException):
        client.delete_stream(StreamName=name)
        while True:
            client.describe_stream_summary(StreamName=name)
            time.sleep(0.05)


def _drain(settings: Settings, url: str) -> int:
    """Empty the queue, so that what is read back belongs to this run; return how many."""
    sqs, drained = _client("sqs", settings), 0
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        entries = [
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
        ]
        sqs.delete_message_batch(QueueUrl=url, Entries=entries)
        drained += len(messages)
    return drained


def _create_aws(
    settings: Settings, fresh: bool, stream: bool, queue: bool
) -> tuple[str, str | None, int]:
    """The stream, the topic and (``queue``) the subscribed read-back queue, and how many stale
    messages were drained from it."""
    if stream:
        if fresh:
            _fresh_stream(settings)
        kinesis = _client("kinesis", settings)
        local_kinesis.ensure_stream(
            kinesis, settings.kinesis.stream_name, settings.kinesis.shard_count
        )
    sns = _client("sns", settings)
    if not queue:
        return local_moto.ensure_topic(sns, settings.sns), None, 0
    sqs = _client("sqs", settings)
    topic_arn, url = local_moto.ensure_resources(sns, sqs, settings.sns, settings.sqs)
    return topic_arn, url, _drain(settings, url) if fresh else 0


async def create_environment(
    settings: Settings,
    *,
    fresh: bool = False,
    stream: bool = True,
    queue: bool = True,
    schema: SchemaPlan | None = None,
) -> LocalEnvironment:
    """Steps 2 and 3 on settings from :func:`isolated_settings` (``schema=None``: migrated;
    pass :class:`NoSchema` for none). ``fresh`` starts from nothing when the names exist."""
    plan = Migrated() if schema is None else schema
    topic_arn, url, drained = await asyncio.to_thread(_create_aws, settings, fresh, stream, queue)
    settings = settings.derive(sns={"topic_arn": topic_arn})
    settings = await plan.create(settings, fresh=fresh)
    return LocalEnvironment(settings, topic_arn, url, plan, stream, drained)


def _delete_aws(env: LocalEnvironment) -> None:
    settings = env.settings
    if env.queue_url is not None:
        sqs = _client("sqs", settings)
        with suppress(sqs.exceptions.QueueDoesNotExist):
            sqs.delete_queue(QueueUrl=env.queue_url)
    _client("sns", settings).delete_topic(TopicArn=env.topic_arn)
    if env.has_stream:
        kinesis = _client("kinesis", settings)
        with suppress(kinesis.exceptions.ResourceNotFoundException):
            kinesis.delete_stream(StreamName=settings.kinesis.stream_name)


async def remove_environment(env: LocalEnvironment) -> None:
    """Drop the schema, then delete the queue, topic and stream (the steps in reverse)."""
    await env.schema_plan.drop(env.settings)
    await asyncio.to_thread(_delete_aws, env)


@asynccontextmanager
async def local_environment(
    base: Settings,
    name: str,
    *,
    shards: int | None = None,
    stream: bool = True,
    queue: bool = True,
    schema: SchemaPlan | None = None,
    **sections: Any,
) -> AsyncIterator[LocalEnvironment]:
    """A fresh environment named after ``name`` for the block; removed when it ends."""
    settings = isolated_settings(base, name, shards=shards, **sections)
    env = await create_environment(settings, stream=stream, queue=queue, schema=schema)
    try:
        yield env
    finally:
        await remove_environment(env)


class NoSchema:
    """No schema at all (a caller that lays out its own tables)."""

    async def create(self, settings: Settings, *, fresh: bool) -> Settings:
        return settings

    async def drop(self, settings: Settings) -> None:
        return None
