"""The Kinesis side: PutRecords that never drops a record, and shard reading for ingest.

Invariant 3: PutRecords can partly fail with HTTP 200. Only the failed entries are resent, with
jittered backoff, until all are accepted or the retry budget is spent (then we raise: the caller
keeps the records and decides; nothing is silently dropped).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import structlog

from fraudd.aws import error_code, is_transient
from fraudd.metrics import Metrics
from fraudd.retry import RetriesExhausted, RetryPolicy

log = structlog.get_logger(__name__)

MAX_BATCH_RECORDS = 500
MAX_BATCH_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Entry:
    """One record to put: payload bytes and its partition key (the card token)."""

    data: bytes
    partition_key: str


@dataclass(frozen=True)
class Shard:
    shard_id: str
    parent_ids: tuple[str, ...]
    closed: bool


def batches(entries: Sequence[Entry], max_records: int = MAX_BATCH_RECORDS) -> list[list[Entry]]:
    """Split entries into PutRecords batches of ≤ max_records records and ≤ 5 MiB."""
    out: list[list[Entry]] = []
    current: list[Entry] = []
    size = 0
    for entry in entries:
        entry_size = len(entry.data) + len(entry.partition_key.encode())
        if current and (len(current) >= max_records or size + entry_size > MAX_BATCH_BYTES):
            out.append(current)
            current, size = [], 0
        current.append(entry)
        size += entry_size
    if current:
        out.append(current)
    return out


class PutIncomplete(RetriesExhausted):
    """Kinesis kept refusing some records; ``remaining`` are exactly the ones not yet accepted."""

    def __init__(self, remaining: list[Entry]) -> None:
        super().__init__(f"PutRecords: {len(remaining)} records not accepted")
        self.remaining = remaining


class Stream:
    """A Kinesis data stream seen through one aiobotocore client."""

    def __init__(self, client: Any, name: str, metrics: Metrics, policy: RetryPolicy) -> None:
        self.client = client
        self.name = name
        self.metrics = metrics
        self.policy = policy

    async def put(self, entries: Sequence[Entry]) -> None:
        """Put every entry, in batches; resend only failed entries.

        Raises :class:`PutIncomplete` with the entries not yet accepted when the retry budget
        runs out, so the caller can keep exactly those.
        """
        chunks = batches(entries)
        for i, batch in enumerate(chunks):
            try:
                await self._put_batch(batch)
            except PutIncomplete as exc:
                later = [e for chunk in chunks[i + 1 :] for e in chunk]
                raise PutIncomplete(exc.remaining + later) from exc

    async def _put_batch(self, batch: list[Entry]) -> None:
        pending = batch
        loop = asyncio.get_running_loop()
        started = loop.time()
        attempt = 0
        while pending:
            attempt += 1
            pending = await self._put_once(pending)
            if not pending:
                break
            if (
                attempt >= self.policy.max_attempts
                or loop.time() - started > self.policy.max_seconds
            ):
                self.metrics.records_produced.inc(len(batch) - len(pending))
                raise PutIncomplete(pending)
            self.metrics.retries.labels(operation="put_records").inc()
            await asyncio.sleep(self.policy.delay(attempt))
        self.metrics.records_produced.inc(len(batch))

    async def _put_once(self, pending: list[Entry]) -> list[Entry]:
        """One PutRecords call; return the entries to resend (all of them on a transient error)."""
        records = [{"Data": e.data, "PartitionKey": e.partition_key} for e in pending]
        try:
            resp = await self.client.put_records(StreamName=self.name, Records=records)
        except Exception as exc:
            if not is_transient(exc):
                raise
            self.metrics.put_records_failed.labels(error_code=error_code(exc)).inc(len(pending))
            log.warning("stream.put_failed", error=error_code(exc), records=len(pending))
            return pending
        if not resp.get("FailedRecordCount"):
            return []
        failed = []
        for entry, result in zip(pending, resp["Records"], strict=True):
            if "ErrorCode" in result:
                self.metrics.put_records_failed.labels(error_code=result["ErrorCode"]).inc()
                failed.append(entry)
        log.info("stream.put_partially_failed", failed=len(failed), sent=len(pending))
        return failed

    async def shards(self) -> list[Shard]:
        """Every shard of the stream, open or closed (ListShards, paginated)."""
        shards: list[Shard] = []
        kwargs: dict[str, Any] = {"StreamName": self.name}
        while True:
            resp = await self.client.list_shards(**kwargs)
            for s in resp["Shards"]:
                parents = tuple(
                    p for p in (s.get("ParentShardId"), s.get("AdjacentParentShardId")) if p
                )
                closed = "EndingSequenceNumber" in s.get("SequenceNumberRange", {})
                shards.append(Shard(s["ShardId"], parents, closed))
            token = resp.get("NextToken")
            if not token:
                return shards
            kwargs = {"NextToken": token}

    async def iterator(self, shard_id: str, after_sequence: str | None) -> str:
        """A shard iterator just after ``after_sequence``, or at the oldest record."""
        kwargs: dict[str, Any] = {"StreamName": self.name, "ShardId": shard_id}
        if after_sequence is None:
            kwargs["ShardIteratorType"] = "TRIM_HORIZON"
        else:
            kwargs["ShardIteratorType"] = "AFTER_SEQUENCE_NUMBER"
            kwargs["StartingSequenceNumber"] = after_sequence
        resp = await self.client.get_shard_iterator(**kwargs)
        return str(resp["ShardIterator"])

    async def read(self, iterator: str, limit: int) -> tuple[list[dict[str, Any]], str | None, int]:
        """GetRecords: (records, next iterator — None once a closed shard is done, ms behind)."""
        resp = await self.client.get_records(ShardIterator=iterator, Limit=limit)
        return (
            resp["Records"],
            resp.get("NextShardIterator"),
            int(resp.get("MillisBehindLatest", 0)),
        )
