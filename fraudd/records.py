"""The swipe record on the wire (schema version 1) and its validation.

The stream never carries the fraud label or a full card number (invariants 6 and 7): a card is a
token plus its last four digits. Anything that does not validate is rejected with a reason from
:data:`REJECT_REASONS`; the consumer quarantines it in the dead-letter table.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from fraudd.columns import DEFAULT_CURRENCY
from fraudd.fields import FieldValueError, check_values
from fraudd.pan import holds_pan
from fraudd.settings import OwnField

SCHEMA_VERSION = 1
SUPPORTED_VERSIONS = frozenset({SCHEMA_VERSION})
MAX_RECORD_BYTES = 64 * 1024
MAX_AMOUNT = 1_000_000.0
EARLIEST_TX_TIME = datetime(1990, 1, 1, tzinfo=UTC)
MAX_FUTURE = timedelta(days=30)

REJECT_REASONS = (
    "too_large",
    "not_utf8",
    "not_json",
    "not_object",
    "unknown_schema_version",
    "invalid_field",
    "implausible_time",
)

IDENT_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"
"""A card token: the console's URL segments and the history import hold tokens to it too."""
Ident = Annotated[str, Field(pattern=IDENT_PATTERN)]
_ALL_DIGITS = re.compile(r"^\d+$")


class Swipe(BaseModel):
    """One card swipe as the card application sends it: the columns of
    :data:`fraudd.columns.STREAMED` (each with its wire type) and the schema version."""

    model_config = ConfigDict(extra="ignore", frozen=True, allow_inf_nan=False, strict=False)

    schema_version: Literal[1] = 1
    tx_id: Ident
    tx_time: datetime
    card_token: Annotated[str, Field(pattern=TOKEN_PATTERN)]
    last4: Annotated[str, Field(pattern=r"^\d{4}$")]
    customer_id: Ident
    terminal_id: Ident
    # Zero is real traffic: account-verification authorisations and card-testing probes are $0.
    amount: Annotated[float, Field(ge=0, le=MAX_AMOUNT, strict=True)]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = DEFAULT_CURRENCY
    merchant_category: Annotated[str, Field(pattern=r"^\d{4}$")] | None = None
    channel: Annotated[str, Field(pattern=r"^[a-z_]{1,16}$")] | None = None
    terminal_x: Annotated[float, Field(ge=-1e6, le=1e6)] | None = None
    terminal_y: Annotated[float, Field(ge=-1e6, le=1e6)] | None = None
    produced_at: datetime
    # The issuer's own fields (fraudd.fields): checked against the declaration by parse_record.
    fields: dict[str, Any] = Field(default_factory=dict, max_length=64)

    @field_validator("card_token")
    @classmethod
    def _opaque(cls, value: str) -> str:
        # A token made only of digits could be (part of) a card number: refuse it.
        if _ALL_DIGITS.fullmatch(value):
            raise ValueError("card_token must be an opaque token, not digits")
        return value

    @field_validator("tx_id", "customer_id", "terminal_id", "card_token")
    @classmethod
    def _not_a_pan(cls, value: str) -> str:
        # Invariant 7 at the stream's door (fraudd.pan): the detail names the field, not value.
        if holds_pan(value):
            raise PydanticCustomError("pan_like", "holds a card number")
        return value

    @field_validator("tx_time", "produced_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("timestamp must carry a UTC offset")
        return value.astimezone(UTC)

    @field_validator("customer_id", "terminal_id", mode="before")
    @classmethod
    def _int_ids_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    def to_bytes(self) -> bytes:
        """The record as sent to Kinesis: compact UTF-8 JSON."""
        empty = None if self.fields else {"fields"}  # records without own fields stay as they were
        return self.model_dump_json(exclude_none=True, exclude=empty).encode()


_TOKEN = re.compile(TOKEN_PATTERN)


def is_card_token(value: str) -> bool:
    """True when ``value`` passes the wire record's card-token checks (pattern, length, not
    digits only, no card number): what any other door holding a token checks too."""
    return (
        bool(_TOKEN.fullmatch(value))
        and not _ALL_DIGITS.fullmatch(value)
        and not (holds_pan(value))
    )


@dataclass(frozen=True)
class Rejected:
    """Why a record could not be decided; ``detail`` is safe to log (no raw values)."""

    reason: str
    detail: str


def parse_record(
    raw: bytes,
    arrival: datetime | None = None,
    max_future: timedelta = MAX_FUTURE,
    own: Sequence[OwnField] = (),
) -> Swipe | Rejected:
    """Validate raw stream bytes; never raises. ``tx_time`` may lead ``arrival`` by at most
    ``max_future`` (simulated traffic with a large speed-up runs ahead of the wall clock).
    ``fields`` must hold only the ``own`` declared fields, each of its type (``invalid_field``)."""
    if len(raw) > MAX_RECORD_BYTES:
        return Rejected("too_large", f"{len(raw)} bytes > {MAX_RECORD_BYTES}")
    try:
        swipe = Swipe.model_validate_json(raw)
    except ValidationError as exc:
        try:
            return _classify(raw, exc)
        except Exception:  # the contract is "never raises": a record must not stop the consumer
            return Rejected("invalid_field", "unclassifiable record")
    timely = _check_time(swipe, arrival or datetime.now(UTC), max_future)
    return _check_own(timely, own) if isinstance(timely, Swipe) else timely


def _check_own(swipe: Swipe, own: Sequence[OwnField]) -> Swipe | Rejected:
    """The swipe with its declared fields typed, or ``invalid_field`` naming the field."""
    try:
        values = check_values(own, swipe.fields)
    except FieldValueError as exc:
        return Rejected("invalid_field", f"fields.{exc}")
    return swipe.model_copy(update={"fields": values})


def _check_time(swipe: Swipe, arrival: datetime, max_future: timedelta) -> Swipe | Rejected:
    if swipe.tx_time < EARLIEST_TX_TIME or swipe.tx_time > arrival + max_future:
        return Rejected("implausible_time", "tx_time before 1990 or too far after its arrival")
    return swipe


def _classify(raw: bytes, exc: ValidationError) -> Rejected:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        return Rejected("not_utf8", f"invalid UTF-8 at byte {err.start}")
    try:
        data = json.loads(text, parse_constant=lambda _c: math.nan)
    except (json.JSONDecodeError, RecursionError) as err:
        return Rejected("not_json", f"JSON error at line {getattr(err, 'lineno', '?')}")
    if not isinstance(data, dict):
        return Rejected("not_object", f"top-level JSON is {type(data).__name__}")
    version = data.get("schema_version", SCHEMA_VERSION)
    if not (type(version) is int and version in SUPPORTED_VERSIONS):
        return Rejected("unknown_schema_version", "schema_version not supported")
    return Rejected("invalid_field", _fields_summary(exc))


def _fields_summary(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        field = ".".join(str(p) for p in err["loc"]) or "<record>"
        parts.append(f"{field}: {err['type']}")
    return "; ".join(parts)
