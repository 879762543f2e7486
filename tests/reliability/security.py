"""Card-data and secret hygiene of everything the system wrote during an end-to-end run.

The real daemon (all four roles, the producer included) runs as a subprocess with distinctive
secrets; hostile records carrying card numbers are written into the stream beside its traffic.
Afterwards the daemon's stdout, every table of the schema (bytea as raw bytes), every SNS message
read back from SQS and ``/metrics`` are scanned for Luhn-valid 13–19 digit runs and for the
configured secret values. Card numbers are looked for twice: by :func:`fraudd.pan.find_pans`
(plain or split by one kind of separator) and, independently of the code under test, as each
exact form the test wrote (:data:`~tests.reliability.hostile.PAN_FORMS`) and its bare digits.

One place is exempt from the card-number check, and only for the numbers the test itself wrote:
``tx_stream``, the verbatim mirror of the Kinesis stream (on AWS it is Redshift's streaming view,
written by Redshift, not by fraudd). fraudd cannot un-write what an upstream put in the stream;
what it must never do is copy it further — and that is what the scan proves.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import signal
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from fraudd.pan import find_pans
from tests.conftest import free_ports
from tests.e2e.harness import close_env, fetch_all, make_env
from tests.reliability.daemon import DaemonProcess
from tests.reliability.driver import counts, until
from tests.reliability.hostile import PAN_FORMS, corpus, put_hostile
from tests.reliability.ledger import Tally, read_back_alerts, read_stream, tally
from tests.reliability.scale import Scale

STREAM_MIRROR = "tx_stream"
# The fractional digits of a decimal number (1.7958753108750887e+09 in /metrics, a score of
# 0.123...) are not a card number, yet one such run in ten passes the Luhn check. Only a number
# with one point is decimal: 4111.1111.1111.1111 keeps its digits.
_FRACTION = re.compile(rb"(?<![0-9.])([0-9]+)\.[0-9]+(?![0-9]|\.[0-9])")
_LITERALS = tuple({f.encode() for f in PAN_FORMS} | {re.sub("[^0-9]", "", f).encode()
                                                     for f in PAN_FORMS})  # fmt: skip
PRODUCE_S = 6.0


@dataclass
class Scan:
    """What was scanned (source → bytes) and what was found there."""

    sources: dict[str, int] = field(default_factory=dict)
    pans: dict[str, list[str]] = field(default_factory=dict)
    secrets: dict[str, list[str]] = field(default_factory=dict)

    def add(self, source: str, blob: bytes, secret_values: dict[str, bytes]) -> None:
        self.sources[source] = self.sources.get(source, 0) + len(blob)
        found = {p.decode() for p in find_pans(_FRACTION.sub(rb"\1.F", blob))}
        found = sorted(found | {f.decode() for f in _LITERALS if f in blob})
        if found:
            self.pans.setdefault(source, []).extend(found)
        leaked = [name for name, value in secret_values.items() if value in blob]
        if leaked:
            self.secrets.setdefault(source, []).extend(leaked)


def _published(body: str) -> str:
    """What fraudd published in one SNS envelope read from SQS: the message, its subject and
    attributes. The envelope's own ids (MessageId, the subscription in UnsubscribeURL) are
    UUIDs SNS makes up, and about one in 478 holds a Luhn-valid chain of 13+ digits across its
    hyphens: scanning them would fail the run on numbers fraudd never wrote."""
    envelope = json.loads(body)
    return json.dumps({k: envelope.get(k) for k in ("Subject", "Message", "MessageAttributes")})


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, dict | list):
        return json.dumps(value).encode()
    return str(value).encode()


async def scan_tables(env: Any, scan: Scan, secret_values: dict[str, bytes]) -> None:
    """Every row of every table of the schema; bytea columns as their raw bytes."""
    assert env.warehouse is not None
    tables = await fetch_all(
        env.warehouse,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
        env.schema,
    )
    for (table,) in tables:
        rows = await fetch_all(env.warehouse, f"SELECT * FROM {env.schema}.{table}")
        blob = b"\n".join(b"\t".join(_as_bytes(v) for v in row) for row in rows)
        scan.add(f"table {table}", blob, secret_values)


def listening_addresses(pid: int) -> list[tuple[str, int]]:
    """The (address, port) of every TCP socket ``pid`` listens on, from /proc."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = []
    for table, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            parts = line.split()
            if parts[3] == "0A" and parts[9] in inodes:  # 0A = LISTEN
                address, port = parts[1].split(":")
                raw = bytes.fromhex(address)
                # /proc prints each 32-bit word in host (little-endian) order
                ordered = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
                found.append((socket.inet_ntop(family, ordered), int(port, 16)))
    return found


async def security_run(stack: Any, scale: Scale, workdir: Path) -> tuple[Tally, Scan]:
    """Run the loop with hostile card numbers in the stream, then scan everything it wrote."""
    began = time.monotonic()
    aws_secret = f"reliability-{secrets.token_hex(12)}"
    env = await make_env(
        stack,
        http={"port": free_ports(1)[0]},
        producer={"rate_tps": 500.0, "customers": 2000},
        aws={"secret_access_key": SecretStr(aws_secret)},
    )
    env.settings = env.settings.derive(**{"grace_period_s": 5.0})
    secret_values = {
        "warehouse.password": env.settings.warehouse.password.get_secret_value().encode(),
        "aws.secret_access_key": aws_secret.encode(),
    }
    daemon = DaemonProcess(
        env.settings, workdir, roles=("producer", "ingest", "consumer", "actions")
    )
    daemon.start()
    assert await daemon.wait_http(90), f"daemon did not start; log {daemon.log_path}"
    notes: dict[str, Any] = {"listening": listening_addresses(daemon.pid)}
    injected = [h for h in corpus() if any(f.encode() in h.data for f in PAN_FORMS)]
    await asyncio.to_thread(put_hostile, env.settings, corpus())
    await asyncio.sleep(PRODUCE_S)
    daemon.signal(signal.SIGTERM)
    notes["first_exit_code"] = await daemon.wait_exit(20)
    metrics_text, final_rc = await _finish(env, daemon)
    notes["final_exit_code"] = final_rc
    stream = await read_stream(env.settings)
    received, bodies = await read_back_alerts(env)
    scan = Scan()
    scan.add("daemon stdout", daemon.log_path.read_bytes(), secret_values)
    scan.add("SNS messages", "\n".join(map(_published, bodies)).encode(), secret_values)
    scan.add("/metrics", metrics_text.encode(), secret_values)
    await scan_tables(env, scan, secret_values)
    t = await tally(env, "security scan run", [], stream, received)
    await close_env(env)
    notes["pans_written_by_test"] = len(injected)
    t.details |= notes
    t.seconds = round(time.monotonic() - began, 1)
    return t, scan


async def _finish(env: Any, daemon: DaemonProcess) -> tuple[str, int | None]:
    """Restart without the producer; wait until every stream record is decided or quarantined
    and every alert published; scrape /metrics; stop with SIGTERM."""
    daemon.start(roles=("ingest", "consumer", "actions"))
    await daemon.wait_http(90)
    total = len(await read_stream(env.settings))

    async def done() -> bool:
        c = await counts(env)
        return c["stream"] == total == c["decided"] + c["dead"] and c["unpublished"] == 0

    assert await until(done, 180), f"did not settle; log {daemon.log_path}"
    _, metrics_text = await daemon.http("/metrics", 5.0)
    daemon.signal(signal.SIGTERM)
    return metrics_text, await daemon.wait_exit(20)
