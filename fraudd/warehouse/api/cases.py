"""The console's operations: cases, verdicts, the audit log, card blocks set by people, and the
labels that verdicts and chargeback files write (DESIGN.md invariants 6 and 10).

Cards appear as their token and last four digits only. Every write here is one statement; the
order of a human action's steps (verdict, labels, close, message, audit) is
:mod:`fraudd.cases.service`'s, inside one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, Protocol

from fraudd.warehouse.api.labels import Label

Outcome = Literal["fraud", "legitimate", "unsure"]
OUTCOMES: tuple[Outcome, ...] = ("fraud", "legitimate", "unsure")
VERDICT_SOURCE = "verdict"
"""``labels.source`` of a label written by a verdict; a chargeback replaces it."""
CHARGEBACK_SOURCE = "chargeback"


@dataclass(frozen=True, slots=True)
class CaseFilter:
    """What the queue shows: cases with at least one alert matching every given condition."""

    status: Literal["open", "closed"] = "open"
    decision: str | None = None
    opened_since: datetime | None = None
    min_amount: Decimal | None = None
    merchant_category: str | None = None
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True, slots=True)
class CaseHeader:
    """What every view of a case shows first: which card, whose, since when, in what state."""

    case_id: str
    card_token: str
    last4: str | None
    status: str
    assignee: str | None
    opened_at: datetime


@dataclass(frozen=True, slots=True)
class CaseSummary(CaseHeader):
    """A case as a row of the queue: its header and its alerts in brief."""

    top_score: float
    top_decision: str
    alerts: int
    max_amount: Decimal | None
    latest_alert_at: datetime


@dataclass(frozen=True, slots=True)
class Case(CaseHeader):
    """One case: its header and how it was closed (None while open)."""

    closed_at: datetime | None
    closed_by: str | None
    outcome: str | None


@dataclass(frozen=True, slots=True)
class CaseAlert:
    """One alert of a case with its transaction (fields may be None for a stripped record)."""

    alert_id: str
    decision: str
    score: float
    created_at: datetime
    payload: Mapping[str, Any]
    tx_time: datetime | None
    amount: Decimal | None
    currency: str | None
    merchant_category: str | None
    channel: str | None
    terminal_id: str | None


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One earlier transaction of the card, with fraudd's decision when it made one."""

    tx_id: str
    tx_time: datetime
    amount: Decimal
    terminal_id: str
    merchant_category: str | None
    channel: str | None
    decision: str | None
    score: float | None


@dataclass(frozen=True, slots=True)
class VerdictRecord:
    verdict_id: str
    case_id: str
    card_token: str
    outcome: Outcome
    actor: str
    note: str
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One human action: who (and in which role) did what to which case or card, and when."""

    audit_id: str
    acted_at: datetime
    actor: str
    actor_role: str
    action: str
    subject: str
    detail: str = ""
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Block:
    card_token: str
    last4: str | None
    tx_id: str
    reason: str
    blocked_at: datetime
    expires_at: datetime

    def as_state(self) -> dict[str, str]:
        """The block as an audit entry's before/after state."""
        return {
            "card_token": self.card_token,
            "reason": self.reason,
            "expires_at": self.expires_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class StoredLabel:
    """A transaction's label as stored, and who wrote it (a verdict's may be replaced)."""

    is_fraud: bool
    source: str


@dataclass(frozen=True, slots=True)
class MinuteCount:
    """Decisions of one kind (``key``: approve, review, block) in the minute from ``at``."""

    at: datetime
    key: str
    count: int


@dataclass(frozen=True, slots=True)
class MinuteLatency:
    """Seconds from a swipe's production to its decision, for the minute from ``at``."""

    at: datetime
    mean_s: float
    max_s: float


@dataclass(frozen=True, slots=True)
class HourVerdicts:
    """The hour's alerts and how many investigators have called fraud or legitimate so far."""

    at: datetime
    alerts: int
    fraud: int
    legitimate: int


@dataclass(frozen=True, slots=True)
class Overview:
    """The console's overview page: recent throughput, latency and verdicts."""

    decisions: list[MinuteCount] = field(default_factory=list)
    latency: list[MinuteLatency] = field(default_factory=list)
    verdicts: list[HourVerdicts] = field(default_factory=list)


class CaseOps(Protocol):
    # --- cases ---------------------------------------------------------------------------
    async def intake_alerts(self, since: datetime) -> int:
        """Open a case for each card with new alerts (created after ``since``) and no open case,
        and attach every such alert to its card's open case; return the alerts attached.
        Run inside a transaction."""

    async def list_cases(self, query: CaseFilter) -> list[CaseSummary]:
        """The queue: highest score first, then the oldest."""

    async def get_case(self, case_id: str) -> Case | None:
        """One case, or None."""

    async def case_alerts(self, case_id: str) -> list[CaseAlert]:
        """The case's alerts, highest score first."""

    async def card_history(self, card_token: str, tx_id: str, limit: int) -> list[HistoryRow]:
        """The card's latest transactions up to and including ``tx_id``'s time."""

    async def close_case(self, case_id: str, outcome: Outcome, actor: str, at: datetime) -> bool:
        """Close an open case with its outcome; False when it was not open."""

    async def assign_case(self, case_id: str, assignee: str | None) -> bool:
        """Set or clear the assignee of an open case; False when it was not open."""

    async def open_case_count(self) -> int:
        """Cases open now (the ``fraudd_cases_open`` gauge)."""

    # --- verdicts and labels ---------------------------------------------------------------
    async def insert_verdict(self, verdict: VerdictRecord) -> None:
        """Store one verdict."""

    async def card_verdicts(self, card_token: str) -> list[VerdictRecord]:
        """Every verdict on the card's cases, newest first."""

    async def stored_labels(self, tx_ids: Sequence[str]) -> dict[str, StoredLabel]:
        """The labels already known for these transactions."""

    async def replace_labels(self, labels: Sequence[Label], source: str) -> None:
        """Store labels, replacing any label these transactions had."""

    async def transaction_times(self, tx_ids: Sequence[str]) -> dict[str, datetime]:
        """The event time of each of these transactions that the warehouse knows."""

    # --- outbox and audit --------------------------------------------------------------------
    async def enqueue_message(
        self, message_id: str, card_token: str, kind: str, payload: Mapping[str, Any]
    ) -> None:
        """Queue a message for the alert topic in the outbox; the actions role publishes it."""

    async def append_audit(self, entry: AuditEntry) -> None:
        """Append one entry to the audit log (which refuses updates and deletes)."""

    async def audit_entries(self, subjects: Sequence[str], limit: int) -> list[AuditEntry]:
        """Newest entries about these subjects (all subjects when empty)."""

    # --- blocks set or lifted by people -------------------------------------------------------
    async def get_block(self, card_token: str) -> Block | None:
        """The card's block if it is in force now."""

    async def list_blocks(self, limit: int) -> list[Block]:
        """Blocks in force now, latest expiry first."""

    async def release_block(self, card_token: str) -> bool:
        """Lift the card's block; False when there was none. The card application (the
        producer) honours it within its block-cache TTL."""

    async def set_block(
        self, card_token: str, tx_id: str, reason: str, expires_at: datetime
    ) -> None:
        """Block the card until ``expires_at`` (replacing any block it had)."""

    # --- overview --------------------------------------------------------------------------
    async def overview(self, since: datetime, hours_since: datetime) -> Overview:
        """Decisions and latency per minute since ``since``; alerts and verdicts per hour
        since ``hours_since``."""
