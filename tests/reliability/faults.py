"""Faults injected through the real clients and the real processes.

AWS faults are botocore event hooks on the daemon's own aiobotocore clients, so the code under
test sees exactly what a real failure looks like (a ClientError with the AWS error code, or a
connection error) and nothing else is mocked:

- PutRecords partial failure: ``before-parameter-build`` removes ~10 % of the entries from the
  request (Kinesis never sees them) and ``after-call`` re-inserts failure results at their
  positions, so the producer sees a partly failed HTTP 200 that matches what Kinesis stored.
  (Rewriting results of entries Kinesis had accepted would create real duplicates.)
- Whole-call throttling (PutRecords, GetRecords) and expired iterators (GetRecords): a
  ``before-call`` handler answers with the AWS error instead of sending the request.
- SNS unreachable: a ``before-call`` handler raises ``EndpointConnectionError``, which is what the
  client raises when nothing listens. (Stopping moto would also wipe its in-memory topic, queue and
  subscription, and the read-back queue with them: the hook is the honest way to keep the truth.)

The warehouse faults use the real server: stop and restart PostgreSQL, ``pg_terminate_backend``,
and a trigger that makes statements slow (or longer than the statement timeout).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

from fraudd.localstack import postgres, state
from fraudd.localstack.stack import StackInfo, _cluster
from tests.e2e.harness import Env, scalar

INJECTED = "injected by the reliability tests"


@dataclass
class _FakeHttp:
    status_code: int
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""


def aws_error(code: str, status: int = 400) -> tuple[_FakeHttp, dict[str, Any]]:
    """A short-circuit response for ``before-call``: the client raises ClientError(code)."""
    parsed = {
        "Error": {"Code": code, "Message": INJECTED},
        "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": {}},
    }
    return _FakeHttp(status), parsed


@dataclass
class Hook:
    """A set of handlers registered on one client, removable again."""

    client: Any
    handlers: list[tuple[str, Any]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def on(self, event: str, handler: Any) -> None:
        self.client.meta.events.register(event, handler)
        self.handlers.append((event, handler))

    def remove(self) -> None:
        for event, handler in self.handlers:
            self.client.meta.events.unregister(event, handler)
        self.handlers.clear()


def put_records_faults(
    client: Any, fail_share: float, seed: int, throttle_every: int, lose_reply_every: int
) -> Hook:
    """Fail ``fail_share`` of PutRecords entries; throttle every ``throttle_every``-th call; let
    every ``lose_reply_every``-th successful call lose its reply after Kinesis stored the records
    (a read timeout), so the producer must resend records that are already in the stream.
    Every-n-th (not random) so that even a short run meets each fault."""
    hook, rng = Hook(client), random.Random(seed)

    def drop(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        records = params["Records"]
        dropped = [i for i in range(len(records)) if rng.random() < fail_share]
        if len(dropped) == len(records):
            dropped = dropped[1:]  # Kinesis rejects an empty request; keep one entry
        context["fraudd_dropped"] = dropped
        params["Records"] = [r for i, r in enumerate(records) if i not in set(dropped)]
        hook.counts["entries_failed"] += len(dropped)

    def throttle(**_: Any) -> Any:
        hook.counts["calls"] += 1
        if hook.counts["calls"] % throttle_every == 0:
            hook.counts["calls_throttled"] += 1
            return aws_error("ProvisionedThroughputExceededException")
        return None

    def reinsert(
        http_response: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any
    ) -> None:
        if http_response.status_code == 200:
            hook.counts["successes"] += 1
        if http_response.status_code == 200 and hook.counts["successes"] % lose_reply_every == 0:
            hook.counts["replies_lost"] += 1
            hook.counts["entries_in_lost_replies"] += len(parsed["Records"])
            raise ReadTimeoutError(endpoint_url=client.meta.endpoint_url)
        dropped = context.get("fraudd_dropped") or []
        if http_response.status_code != 200 or not dropped:
            return
        kept = iter(parsed["Records"])
        failure = {"ErrorCode": "ProvisionedThroughputExceededException", "ErrorMessage": INJECTED}
        total = len(parsed["Records"]) + len(dropped)
        parsed["Records"] = [
            dict(failure) if i in set(dropped) else next(kept) for i in range(total)
        ]
        parsed["FailedRecordCount"] = parsed.get("FailedRecordCount", 0) + len(dropped)

    hook.on("before-parameter-build.kinesis.PutRecords", drop)
    hook.on("before-call.kinesis.PutRecords", throttle)
    hook.on("after-call.kinesis.PutRecords", reinsert)
    return hook


def get_records_faults(client: Any, throttle_share: float, expire_share: float, seed: int) -> Hook:
    """Answer a share of GetRecords calls with throttling or ExpiredIteratorException."""
    hook, rng = Hook(client), random.Random(seed)

    def fail(**_: Any) -> Any:
        roll = rng.random()
        if roll < throttle_share:
            hook.counts["calls_throttled"] += 1
            return aws_error("ProvisionedThroughputExceededException")
        if roll < throttle_share + expire_share:
            hook.counts["iterators_expired"] += 1
            return aws_error("ExpiredIteratorException")
        return None

    hook.on("before-call.kinesis.GetRecords", fail)
    return hook


def sns_unreachable(client: Any) -> Hook:
    """Every SNS call fails as if the endpoint were down, until the hook is removed."""
    hook = Hook(client)

    def refuse(**_: Any) -> None:
        hook.counts["calls_refused"] += 1
        raise EndpointConnectionError(endpoint_url=client.meta.endpoint_url)

    hook.on("before-call.sns", refuse)
    return hook


def publish_batch_faults(client: Any, fail_share: float, seed: int) -> Hook:
    """Fail ``fail_share`` of PublishBatch entries: removed from the request (SNS never sees
    them) and reported back under ``Failed``, as SNS does for a partly failed batch."""
    hook, rng = Hook(client), random.Random(seed)

    def drop(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        entries = params["PublishBatchRequestEntries"]
        dropped = [e["Id"] for e in entries if rng.random() < fail_share][: len(entries) - 1]
        context["fraudd_dropped"] = dropped
        params["PublishBatchRequestEntries"] = [e for e in entries if e["Id"] not in dropped]
        hook.counts["entries_failed"] += len(dropped)

    def report(
        http_response: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any
    ) -> None:
        dropped = context.get("fraudd_dropped") or []
        if http_response.status_code == 200 and dropped:
            failed = [
                {"Id": i, "Code": "InternalError", "Message": INJECTED, "SenderFault": False}
                for i in dropped
            ]
            parsed["Failed"] = [*parsed.get("Failed", []), *failed]

    hook.on("before-parameter-build.sns.PublishBatch", drop)
    hook.on("after-call.sns.PublishBatch", report)
    return hook


# --- PostgreSQL -------------------------------------------------------------------------------


def _cluster_of(info: StackInfo) -> postgres.Cluster:
    return _cluster(state.load(info.state_dir))


async def stop_postgres(info: StackInfo) -> None:
    """Fast shutdown of the stack's PostgreSQL (open transactions roll back)."""
    await asyncio.to_thread(postgres.stop, _cluster_of(info))


async def start_postgres(info: StackInfo) -> None:
    await asyncio.to_thread(postgres.start, _cluster_of(info), info.postgres_port)


async def execute(env: Env, sql: str, *args: Any) -> None:
    """Run one statement in the environment's schema (``{schema}`` in ``sql``)."""
    await scalar(env, "SELECT 1")  # opens env.warehouse
    assert env.warehouse is not None
    async with env.warehouse.acquire() as conn:
        await conn.execute(sql.format(schema=env.schema), *args)


async def terminate_backends(env: Env) -> int:
    """``pg_terminate_backend`` every other session of our role; return how many."""
    killed = await scalar(
        env,
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE usename = current_user AND pid <> pg_backend_pid() AND datname = current_database()",
    )
    return int(killed or 0)


SLOW_FUNCTION = """
CREATE OR REPLACE FUNCTION {schema}.reliability_slow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_sleep({seconds}); RETURN NULL; END $$
"""
SLOW_TRIGGER = """
CREATE OR REPLACE TRIGGER reliability_slow AFTER INSERT ON {schema}.{table}
FOR EACH STATEMENT EXECUTE FUNCTION {schema}.reliability_slow()
"""


async def slow_inserts(env: Env, seconds: float, tables: tuple[str, ...] = ("decisions",)) -> None:
    """Every INSERT statement into ``tables`` now sleeps ``seconds`` (replaces an earlier delay)."""
    await execute(env, SLOW_FUNCTION.replace("{seconds}", repr(float(seconds))))
    for table in tables:
        await execute(env, SLOW_TRIGGER.replace("{table}", table))


async def fast_inserts(env: Env, tables: tuple[str, ...] = ("decisions",)) -> None:
    for table in tables:
        await execute(env, "DROP TRIGGER IF EXISTS reliability_slow ON {schema}." + table)


class Stopwatch:
    """Epoch timestamps of a fault's phases (same clock as the warehouse's clock_timestamp())."""

    def __init__(self) -> None:
        self.marks: dict[str, float] = {}

    def mark(self, name: str) -> float:
        self.marks[name] = time.time()
        return self.marks[name]
