"""Ground truth: what is in the stream (read back with GetRecords), what the warehouse decided,
what reached the SNS subscriber, and the tally of lost and doubled records and alerts."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from fraudd.localstack import aws as local_aws
from fraudd.settings import Settings
from tests.e2e.harness import Env, fetch_all


@dataclass(frozen=True)
class StreamRecord:
    shard_id: str
    sequence_number: int
    data: bytes

    @property
    def tx_id(self) -> str | None:
        """The record's tx_id when it is a JSON object that has one (hostile records may not)."""
        try:
            value = json.loads(self.data).get("tx_id")
        except (ValueError, AttributeError, RecursionError):
            return None
        return value if isinstance(value, str) else None


def _read_stream(settings: Settings) -> list[StreamRecord]:
    kinesis = local_aws.client("kinesis", settings, settings.endpoint("kinesis") or "")
    name, out = settings.kinesis.stream_name, []
    for shard in kinesis.list_shards(StreamName=name)["Shards"]:
        it = kinesis.get_shard_iterator(
            StreamName=name, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while it:
            resp = kinesis.get_records(ShardIterator=it, Limit=10_000)
            out += [
                StreamRecord(shard["ShardId"], int(r["SequenceNumber"]), bytes(r["Data"]))
                for r in resp["Records"]
            ]
            if not resp["Records"] and resp.get("MillisBehindLatest", 0) == 0:
                break
            it = resp.get("NextShardIterator")
    return out


async def read_stream(settings: Settings) -> list[StreamRecord]:
    """Every record in the stream, from the start of every shard."""
    return await asyncio.to_thread(_read_stream, settings)


@dataclass
class Tally:
    """One scenario's outcome, as the report table shows it."""

    scenario: str
    records_in: int = 0  # records in the stream (what the producer and the test wrote)
    decisions: int = 0
    dead_letters: int = 0
    lost: int = 0  # stream records with neither a decision nor a dead letter
    doubled: int = 0  # stream records with two outcomes, or decisions of no stream record
    alerts_expected: int = 0
    alerts_received: int = 0  # distinct alert ids read back from SQS
    alerts_missing: int = 0
    alerts_duplicated: int = 0  # deliveries beyond the first
    recovery_s: float | None = None  # worst time from fault cleared to progress again
    seconds: float = 0.0  # wall time of the scenario
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.doubled == 0 and self.alerts_missing == 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"ok": self.ok}


def _drain_queue(env: Env) -> list[str]:
    sqs = local_aws.client("sqs", env.settings, env.settings.endpoint("sqs") or "")
    bodies: list[str] = []
    empty = 0
    while empty < 3:
        resp = sqs.receive_message(
            QueueUrl=env.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
        )
        messages = resp.get("Messages", [])
        empty = 0 if messages else empty + 1
        bodies += [m["Body"] for m in messages]
        if messages:
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
            ]
            sqs.delete_message_batch(QueueUrl=env.queue_url, Entries=entries)
    return bodies


async def read_back_alerts(env: Env) -> tuple[Counter[str], list[str]]:
    """Drain the read-back queue: alert ids with multiplicity, and the raw message bodies."""
    bodies = await asyncio.to_thread(_drain_queue, env)
    ids = Counter(json.loads(json.loads(b)["Message"])["alert_id"] for b in bodies)
    return ids, bodies


async def tally(
    env: Env,
    scenario: str,
    sent: list[str],
    stream: list[StreamRecord] | None = None,
    received: Counter[str] | None = None,
) -> Tally:
    """Compare the stream with decisions, dead letters and alerts read back from SQS."""
    stream = stream if stream is not None else await read_stream(env.settings)
    wh = env.warehouse
    assert wh is not None, "call harness.scalar once first (opens env.warehouse)"
    schema = env.schema
    decided = await fetch_all(
        wh, f"SELECT tx_id, shard_id, sequence_number, decision FROM {schema}.decisions"
    )
    dead = await fetch_all(
        wh, f"SELECT shard_id, sequence_number, reason FROM {schema}.dead_letters"
    )
    t = Tally(scenario, records_in=len(stream), decisions=len(decided), dead_letters=len(dead))
    _positions(t, stream, decided, dead)
    _producer_truth(t, stream, sent)
    expected = {r.tx_id for r in decided if r.decision != "approve"}
    if received is None:
        received, _ = await read_back_alerts(env)
    t.alerts_expected = len(expected)
    t.alerts_received = len(set(received) & expected)
    t.alerts_missing = len(expected - set(received))
    t.alerts_duplicated = sum(n - 1 for n in received.values())
    t.details["alerts_unexpected"] = len(set(received) - expected)
    t.details["dead_letter_reasons"] = dict(Counter(r.reason for r in dead))
    return t


def _positions(t: Tally, stream: list[StreamRecord], decided: list[Any], dead: list[Any]) -> None:
    outcomes: Counter[tuple[str, int]] = Counter()
    for row in [*decided, *dead]:
        outcomes[(row.shard_id, int(row.sequence_number))] += 1
    positions = {(r.shard_id, r.sequence_number) for r in stream}
    t.lost = sum(1 for p in positions if outcomes[p] == 0)
    phantom = sum(n for p, n in outcomes.items() if p not in positions)
    t.doubled = sum(outcomes[p] - 1 for p in positions if outcomes[p] > 1) + phantom
    t.details["phantom_outcomes"] = phantom


def _producer_truth(t: Tally, stream: list[StreamRecord], sent: list[str]) -> None:
    """The producer's own record of accepted puts must match the stream exactly."""
    copies = Counter(r.tx_id for r in stream if r.tx_id is not None)
    t.details["sent_not_in_stream"] = len(set(sent) - set(copies))
    t.details["stream_copies_beyond_first"] = sum(n - 1 for n in copies.values())
    t.details["sent_reported_twice"] = len(sent) - len(set(sent))
    t.lost += t.details["sent_not_in_stream"]
