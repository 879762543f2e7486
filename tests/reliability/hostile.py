"""Hostile records written straight into the stream: a hand-written corpus with the reason each
must be quarantined for, and hypothesis strategies for many more (their expected reason comes
from :func:`fraudd.records.parse_record`, the unit-tested validator, applied to the same bytes)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from fraudd.localstack import aws as local_aws
from fraudd.records import Rejected, parse_record
from fraudd.settings import Settings

PAN = "4111111111111111"  # a Luhn-valid test card number
SEPARATED = ("4111 1111 1111 1111", "4111-1111-1111-1111", "4111_1111_1111_1111",
             "4111.1111.1111.1111", "5500:0000:0000:0004")  # fmt: skip
PAN_FORMS = (PAN, *SEPARATED)
"""Every form of a card number the corpus writes into the stream."""


@dataclass(frozen=True)
class Hostile:
    name: str
    data: bytes
    reason: str | None  # None: the record is valid and must be decided

    @property
    def partition_key(self) -> str:
        return f"hostile-{uuid.uuid5(uuid.NAMESPACE_OID, self.name).hex[:12]}"


def good_swipe(tx_id: str, **changes: Any) -> dict[str, Any]:
    """A valid wire record (as JSON data); ``changes`` replace fields, ``None`` deletes one."""
    now = datetime.now(UTC)
    record: dict[str, Any] = {
        "schema_version": 1,
        "tx_id": tx_id,
        "tx_time": now.isoformat(),
        "card_token": "tok_hostile_0001",
        "last4": "1111",
        "customer_id": "h1",
        "terminal_id": "t1",
        "amount": 12.5,
        "currency": "EUR",
        "merchant_category": "5411",
        "channel": "pos",
        "produced_at": now.isoformat(),
    }
    for key, value in changes.items():
        if value is None:
            record.pop(key, None)
        else:
            record[key] = value
    return record


def _without(record: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != key}


def _j(record: Any) -> bytes:
    return json.dumps(record).encode()


def _raw_json(tx_id: str, field: str, literal: str) -> bytes:
    """A record whose ``field`` is the JSON token ``literal`` (NaN, Infinity: not JSON proper)."""
    text = json.dumps(good_swipe(tx_id, **{field: "__X__"}))
    return text.replace('"__X__"', literal).encode()


def corpus() -> list[Hostile]:
    """Every kind of bad input the issue lists, each with the reason it must be quarantined for."""
    old = (datetime.now(UTC) - timedelta(days=365 * 80)).isoformat()
    future = (datetime.now(UTC) + timedelta(days=365)).isoformat()
    sql = "x'); DROP TABLE decisions; --"
    items = [
        ("not utf-8", b"\xff\xfe\xfa not text \x80", "not_utf8"),
        ("latin-1 text", '{"tx_id": "caf\u00e9"}'.encode("latin-1"), "not_utf8"),
        ("not json", b"tx_id=1&amount=3", "not_json"),
        ("truncated json", _j(good_swipe("h-trunc"))[:-7], "not_json"),
        ("whitespace only", b"   \n ", "not_json"),
        ("utf-8 bom", b"\xef\xbb\xbf" + _j(good_swipe("h-bom")), "not_json"),
        ("deep nesting", b"[" * 5000 + b"]" * 5000, "not_json"),
        ("json array", _j([good_swipe("h-array")]), "not_object"),
        ("json string", b'"a swipe"', "not_object"),
        ("json null", b"null", "not_object"),
        ("json number", b"42", "not_object"),
        ("empty object", b"{}", "invalid_field"),
        ("missing amount", _j(good_swipe("h-noamount", amount=None)), "invalid_field"),
        ("missing tx_id", _j(_without(good_swipe("ignored"), "tx_id")), "invalid_field"),
        ("amount as text", _j(good_swipe("h-amounttext", amount="12.50")), "invalid_field"),
        ("amount as bool", _j(good_swipe("h-amountbool", amount=True)), "invalid_field"),
        ("tx_time as list", _j(good_swipe("h-timelist", tx_time=[2024, 1, 1])), "invalid_field"),
        (
            "naive timestamp",
            _j(good_swipe("h-naive", tx_time="2024-01-01T10:00:00")),
            "invalid_field",
        ),
        ("amount NaN", _raw_json("h-nan", "amount", "NaN"), "invalid_field"),
        ("amount Infinity", _raw_json("h-inf", "amount", "Infinity"), "invalid_field"),
        ("amount -Infinity", _raw_json("h-ninf", "amount", "-Infinity"), "invalid_field"),
        ("amount 1e400", _raw_json("h-1e400", "amount", "1e400"), "invalid_field"),
        ("negative amount", _j(good_swipe("h-neg", amount=-12.5)), "invalid_field"),
        ("negative cent", _j(good_swipe("h-negcent", amount=-0.01)), "invalid_field"),
        ("absurd amount", _j(good_swipe("h-absurd", amount=1e12)), "invalid_field"),
        ("tx_time 80 years ago", _j(good_swipe("h-old", tx_time=old)), "implausible_time"),
        ("tx_time next year", _j(good_swipe("h-future", tx_time=future)), "implausible_time"),
        (
            "tx_time year 9999",
            _j(good_swipe("h-9999", tx_time="9999-12-31T00:00:00Z")),
            "implausible_time",
        ),
        (
            "huge string, over the limit",
            _j(good_swipe("h-huge", channel="x" * 70_000)),
            "too_large",
        ),
        (
            "huge string, under the limit",
            _j(good_swipe("h-big", channel="x" * 60_000)),
            "invalid_field",
        ),
        ("schema version 2", _j(good_swipe("h-v2", schema_version=2)), "unknown_schema_version"),
        (
            "schema version '1'",
            _j(good_swipe("h-v1s", schema_version="1")),
            "unknown_schema_version",
        ),
        ("sql in tx_id", _j(good_swipe(sql)), "invalid_field"),
        (
            "sql in card_token",
            _j(good_swipe("h-sqltok", card_token="' OR '1'='1")),
            "invalid_field",
        ),
        (
            "sql in customer",
            _j(good_swipe("h-sqlcust", customer_id="1; DELETE FROM labels")),
            "invalid_field",
        ),
        ("nul in tx_id", _j(good_swipe("h-\u0000-nul")), "invalid_field"),
        ("pan as card token", _j(good_swipe("h-pan", card_token=PAN)), "invalid_field"),
        ("pan in a bad record", _j(good_swipe("h-pan2", amount=None, pan=PAN)), "invalid_field"),
        ("pan in garbage", f"card={PAN};exp=12/30".encode(), "not_json"),
        # card numbers split by separators or inside letters (main decided the first five and
        # quarantined the last two unmasked)
        ("pan with dashes as tx_id", _j(good_swipe(SEPARATED[1])), "invalid_field"),
        ("pan with underscores as customer",
         _j(good_swipe("h-pan3", customer_id=SEPARATED[2])), "invalid_field"),
        ("pan with colons as terminal",
         _j(good_swipe("h-pan4", terminal_id=SEPARATED[4])), "invalid_field"),
        ("pan inside a token", _j(good_swipe("h-pan5", card_token=f"tok{PAN}")), "invalid_field"),
        ("pan with dashes as token",
         _j(good_swipe("h-pan6", card_token=SEPARATED[1])), "invalid_field"),
        ("pan with dots in a bad record",
         _j(good_swipe("h-pan7", amount=None, pan=SEPARATED[3])), "invalid_field"),
        ("pan with spaces in garbage", f"card={SEPARATED[0]};exp=12/30".encode(), "not_json"),
    ]  # fmt: skip
    return [Hostile(name, data, reason) for name, data, reason in items]


def duplicate_pair(tx_id: str) -> list[Hostile]:
    """The same valid swipe twice (same partition key, so in order): decided once, then
    quarantined as ``duplicate_tx_id``."""
    data = _j(good_swipe(tx_id, card_token="tok_hostile_dup1"))
    return [
        Hostile(f"dup {tx_id} #1", data, None),
        Hostile(f"dup {tx_id} #2", data, "duplicate_tx_id"),
    ]


def put_hostile(settings: Settings, records: list[Hostile]) -> list[tuple[Hostile, str, int]]:
    """Write records straight into the stream (100 per PutRecords, every entry must be
    accepted); return each with the shard and sequence number Kinesis gave it. Blocking."""
    kinesis = local_aws.client("kinesis", settings, settings.endpoint("kinesis") or "")
    placed = []
    for i in range(0, len(records), 100):
        batch = records[i : i + 100]
        resp = kinesis.put_records(
            StreamName=settings.kinesis.stream_name,
            Records=[{"Data": h.data, "PartitionKey": h.partition_key} for h in batch],
        )
        assert resp["FailedRecordCount"] == 0, resp
        placed += [
            (h, r["ShardId"], int(r["SequenceNumber"]))
            for h, r in zip(batch, resp["Records"], strict=True)
        ]
    return placed


# --- hypothesis ---------------------------------------------------------------------------------

_junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from(["'; DROP TABLE transactions; --", "1 OR 1=1", PAN, "", "\u0000"]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
_fields = st.sampled_from(sorted(good_swipe("x")))
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def _mutated_swipe(draw: st.DrawFn) -> bytes:
    """A valid swipe with some fields replaced by junk or removed."""
    changes = draw(st.dictionaries(_fields, _junk, min_size=1, max_size=3))
    record = good_swipe(f"hyp-{uuid.UUID(int=draw(st.integers(0, 2**64))).hex[:16]}")
    for key, value in changes.items():
        if value is None:
            record.pop(key, None)
        else:
            record[key] = value
    return json.dumps(record, allow_nan=True).encode()


hostile_bytes = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200).map(str.encode),
    _json_values.map(lambda v: json.dumps(v).encode()),
    _mutated_swipe(),
)


def generated(count: int, rng_seed: int = 20240) -> list[Hostile]:
    """``count`` hostile records drawn by hypothesis (deterministic for a seed), deduplicated."""
    found: dict[bytes, None] = {}

    @seed(rng_seed)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(hostile_bytes)
    def gather(data: bytes) -> None:
        found.setdefault(data, None)

    gather()
    out = []
    for i, data in enumerate(found):
        reason = expected_reason(data)
        if reason is None:  # a valid swipe after all: give it an id of its own (no duplicates)
            data = _j(json.loads(data) | {"tx_id": f"hyp-valid-{rng_seed}-{i}"})
        out.append(Hostile(f"hypothesis #{i}", data, reason))
    return out


def expected_reason(data: bytes) -> str | None:
    """The reason the validator gives these bytes (None when they are a valid swipe)."""
    parsed = parse_record(data, datetime.now(UTC))
    return parsed.reason if isinstance(parsed, Rejected) else None


ExpectFn = Callable[[bytes], str | None]
