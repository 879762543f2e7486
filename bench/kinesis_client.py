"""The floor under the producer's and ingest's CPU: what the Kinesis client itself costs.

The producer and ingest spend most of their CPU inside aiobotocore (request validation and
serialisation, signing, HTTP, response parsing), not in fraudd's code. This measures that client
alone — this process's CPU per record for PutRecords and GetRecords against kinesalite, with the
same client fraudd opens — so the README can say what no change inside fraudd can go below.
"""

from __future__ import annotations

import time
from contextlib import AsyncExitStack
from typing import Any

from fraudd import aws
from fraudd.settings import Settings

RECORD = (
    b'{"schema_version":1,"tx_id":"2a-00060-0000000","tx_time":"2026-03-02T00:00:02Z",'
    b'"card_token":"tok_wyqbrqawwswxcvczqzuxxtsw","last4":"5527","customer_id":"1326",'
    b'"terminal_id":"803","amount":12.53,"currency":"EUR","merchant_category":"7011",'
    b'"channel":"ecom","terminal_x":49.21539774418978,"terminal_y":57.71505265155563,'
    b'"produced_at":"2026-11-28T14:47:38.056509Z"}'
)
RECORDS = 5000


async def _puts(client: Any, stream: str, batch: int) -> float:
    began = time.process_time()
    for start in range(0, RECORDS, batch):
        records = [{"Data": RECORD, "PartitionKey": f"tok_{start + i}"} for i in range(batch)]
        await client.put_records(StreamName=stream, Records=records)
    return (time.process_time() - began) * 1e6 / RECORDS


async def _gets(client: Any, stream: str, limit: int) -> float:
    shards = [s["ShardId"] for s in (await client.list_shards(StreamName=stream))["Shards"]]
    began, got = time.process_time(), 0
    for shard in shards:
        resp = await client.get_shard_iterator(
            StreamName=stream, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
        )
        iterator = resp["ShardIterator"]
        while True:
            resp = await client.get_records(ShardIterator=iterator, Limit=limit)
            got += len(resp["Records"])
            iterator = resp["NextShardIterator"]
            if not resp["Records"]:
                break
    return (time.process_time() - began) * 1e6 / max(got, 1)


async def client_floor(settings: Settings) -> dict[str, float]:
    """Client CPU µs per record: PutRecords in batches of 100 and 500, GetRecords of 100 and
    1,000 (``settings`` names an existing, empty stream)."""
    stream = settings.kinesis.stream_name
    async with AsyncExitStack() as stack:
        client = await aws.open_client(stack, settings, "kinesis")
        return {
            "put_records_batch_100_us": round(await _puts(client, stream, 100), 1),
            "put_records_batch_500_us": round(await _puts(client, stream, 500), 1),
            "get_records_limit_100_us": round(await _gets(client, stream, 100), 1),
            "get_records_limit_1000_us": round(await _gets(client, stream, 1000), 1),
        }
