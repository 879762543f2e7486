"""The cases area: the console's operations on cases, verdicts, the audit log, card blocks set
by people, and the labels that verdicts and chargeback files write (DESIGN.md invariants 6 and
10). What a case, a verdict, a block and an audit entry are is :mod:`fraudd.cases.values`'s.

Cards appear as their token and last four digits only. Every write here is one statement; the
order of a human action's steps (verdict, labels, close, message, audit) is
:mod:`fraudd.cases.service`'s, inside one transaction.

The dialects differ only in how a list of ids is bound: one array parameter (``= ANY``) on
PostgreSQL, an ``IN`` list on Redshift (at most :data:`ID_CHUNK` per statement).
"""

from __future__ import annotations

import json
from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal, Protocol

from fraudd.cases.values import AuditEntry, Block, Case, CaseHeader, Outcome, VerdictRecord
from fraudd.warehouse.base import Row
from fraudd.warehouse.labels import Label
from fraudd.warehouse.session import SessionBase, in_list, statement

AREA = "cases"
ID_CHUNK = 1000
"""Ids per statement: far below both drivers' parameter limits and Redshift's 16 MB."""


@dataclass(frozen=True, slots=True)
class CaseFilter:
    """What the queue shows: cases with at least one alert matching every given condition."""

    status: Literal["open", "closed"] = "open"
    decision: str | None = None
    opened_since: datetime | None = None
    min_amount: Decimal | None = None
    merchant_category: str | None = None
    rule: str | None = None
    """A rule of the live rule set that matched one of the case's alerts."""
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True, slots=True)
class CaseSummary(CaseHeader):
    """A case as a row of the queue: its header and its alerts in brief."""

    top_score: float
    top_decision: str
    alerts: int
    max_amount: Decimal | None
    latest_alert_at: datetime


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


def utc(value: datetime) -> datetime:
    """Redshift's DATE_TRUNC returns a timestamp without zone; every time here is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parsed(value: Any) -> Any:
    """SUPER/jsonb arrive parsed from one driver and as text from the other."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def as_json(value: Mapping[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


def chunks(ids: Sequence[str]) -> list[list[str]]:
    unique = list(dict.fromkeys(ids))
    return [unique[i : i + ID_CHUNK] for i in range(0, len(unique), ID_CHUNK)]


def _case(r: Row | None) -> Case | None:
    if r is None:
        return None
    closed_at = utc(r[6]) if r[6] is not None else None
    return Case(r[0], r[1], r[2], r[3], r[4], utc(r[5]), closed_at, r[7], r[8])


def _alerts(rows: Sequence[Row]) -> list[CaseAlert]:
    return [
        CaseAlert(
            r[0], r[1], float(r[2]), utc(r[3]), parsed(r[4]) or {},
            utc(r[5]) if r[5] is not None else None, r[6], r[7], r[8], r[9], r[10],
        )
        for r in rows
    ]  # fmt: skip


def _block(r: Row) -> Block:
    return Block(r[0], r[1], r[2], r[3], utc(r[4]), utc(r[5]))


def _changed(count: int) -> bool:
    return count > 0


class SharedCases(SessionBase):
    @abstractmethod
    def _with_ids(self, name: str, ids: Sequence[str]) -> tuple[str, list[Any]]:
        """Statement ``name`` and the parameters that bind ``ids`` in this dialect."""

    async def _fetch_ids(self, name: str, ids: Sequence[str], *after: Any) -> list[Row]:
        sql, params = self._with_ids(name, ids)
        return await self.conn.fetch(sql, *params, *after)

    # --- cases -----------------------------------------------------------------------------
    async def intake_alerts(self, since: datetime) -> int:
        await self.conn.execute(self.sql(AREA, "open_cases"), since)
        now = datetime.now(UTC)
        return await self.conn.execute(self.sql(AREA, "attach_alerts"), now, since)

    async def list_cases(self, query: CaseFilter) -> list[CaseSummary]:
        q = query
        rows = await self.conn.fetch(
            self.sql(AREA, "list_cases"),
            q.rule,
            q.status,
            *(q.decision, q.decision),
            *(q.opened_since, q.opened_since),
            *(q.min_amount, q.min_amount),
            *(q.merchant_category, q.merchant_category),
            q.rule,
            q.limit,
            q.offset,
        )
        return [
            CaseSummary(
                r[0], r[1], r[2], r[3], r[4], utc(r[5]), float(r[6]),
                "block" if r[7] == 2 else "review", int(r[8]), r[9], utc(r[10]),
            )
            for r in rows
        ]  # fmt: skip

    get_case = statement(AREA, "get_case", "row", _case)
    case_alerts = statement(AREA, "case_alerts", "all", _alerts)

    async def card_history(self, card_token: str, tx_id: str, limit: int) -> list[HistoryRow]:
        rows = await self.conn.fetch(self.sql(AREA, "card_history"), tx_id, card_token, limit)
        return [
            HistoryRow(
                r[0], utc(r[1]), Decimal(r[2]), r[3], r[4], r[5], r[6],
                None if r[7] is None else float(r[7]),
            )
            for r in rows
        ]  # fmt: skip

    async def close_case(self, case_id: str, outcome: Outcome, actor: str, at: datetime) -> bool:
        n = await self.conn.execute(self.sql(AREA, "close_case"), outcome, actor, at, case_id)
        return n > 0

    async def assign_case(self, case_id: str, assignee: str | None) -> bool:
        return await self.conn.execute(self.sql(AREA, "assign_case"), assignee, case_id) > 0

    open_case_count = statement(AREA, "open_case_count", "value", lambda n: int(n or 0))

    # --- verdicts and labels -------------------------------------------------------------------
    async def insert_verdict(self, verdict: VerdictRecord) -> None:
        v = verdict
        await self.conn.execute(
            self.sql(AREA, "insert_verdict"),
            v.verdict_id, v.case_id, v.card_token, v.outcome, v.actor, v.note, v.decided_at,
        )  # fmt: skip

    card_verdicts = statement(
        AREA,
        "card_verdicts",
        "all",
        lambda rows: [VerdictRecord(r[0], r[1], r[2], r[3], r[4], r[5], utc(r[6])) for r in rows],
    )

    async def stored_labels(self, tx_ids: Sequence[str]) -> dict[str, StoredLabel]:
        found: dict[str, StoredLabel] = {}
        for part in chunks(tx_ids):
            for r in await self._fetch_ids("stored_labels", part):
                found[r[0]] = StoredLabel(bool(r[1]), r[2])
        return found

    async def replace_labels(self, labels: Sequence[Label], source: str) -> None:
        for part in chunks([label.tx_id for label in labels]):
            sql, params = self._with_ids("delete_labels", part)
            await self.conn.execute(sql, *params)
        rows = [(x.tx_id, x.is_fraud, x.labelled_at, source) for x in labels]
        await self.conn.copy_rows("labels", ("tx_id", "is_fraud", "labelled_at", "source"), rows)

    async def transaction_times(self, tx_ids: Sequence[str]) -> dict[str, datetime]:
        found: dict[str, datetime] = {}
        for part in chunks(tx_ids):
            for r in await self._fetch_ids("transaction_times", part):
                found[r[0]] = utc(r[1])
        return found

    # --- outbox and audit ----------------------------------------------------------------------
    async def enqueue_message(
        self, message_id: str, card_token: str, kind: str, payload: Mapping[str, Any]
    ) -> None:
        await self.conn.execute(
            self.sql(AREA, "enqueue_message"), message_id, card_token, kind, as_json(payload)
        )

    async def append_audit(self, entry: AuditEntry) -> None:
        e = entry
        await self.conn.execute(
            self.sql(AREA, "append_audit"),
            e.audit_id, e.acted_at, e.actor, e.actor_role, e.action, e.subject, e.detail,
            as_json(e.before), as_json(e.after),
        )  # fmt: skip

    async def audit_entries(self, subjects: Sequence[str], limit: int) -> list[AuditEntry]:
        if subjects:
            rows = await self._fetch_ids("audit_about", list(dict.fromkeys(subjects)), limit)
        else:
            rows = await self.conn.fetch(self.sql(AREA, "audit_recent"), limit)
        return [
            AuditEntry(r[0], utc(r[1]), r[2], r[3], r[4], r[5], r[6], parsed(r[7]), parsed(r[8]))
            for r in rows
        ]

    # --- blocks ----------------------------------------------------------------------------
    async def get_block(self, card_token: str) -> Block | None:
        now = datetime.now(UTC)
        r = await self.conn.fetchrow(self.sql(AREA, "get_block"), card_token, now)
        return None if r is None else _block(r)

    async def list_blocks(self, limit: int) -> list[Block]:
        rows = await self.conn.fetch(self.sql(AREA, "list_blocks"), datetime.now(UTC), limit)
        return [_block(r) for r in rows]

    release_block = statement(AREA, "release_block", "count", _changed)

    async def set_block(
        self, card_token: str, tx_id: str, reason: str, expires_at: datetime
    ) -> None:
        await self.conn.execute(self.sql(AREA, "release_block"), card_token)
        now = datetime.now(UTC)
        await self.conn.execute(
            self.sql(AREA, "insert_block"), card_token, tx_id, reason, now, expires_at
        )

    # --- overview --------------------------------------------------------------------------
    async def overview(self, since: datetime, hours_since: datetime) -> Overview:
        decisions = await self.conn.fetch(self.sql(AREA, "decisions_per_minute"), since)
        latency = await self.conn.fetch(self.sql(AREA, "latency_per_minute"), since)
        verdicts = await self.conn.fetch(self.sql(AREA, "verdicts_per_hour"), hours_since)
        return Overview(
            [MinuteCount(utc(r[0]), r[1], int(r[2])) for r in decisions],
            [MinuteLatency(utc(r[0]), float(r[1]), float(r[2])) for r in latency],
            [HourVerdicts(utc(r[0]), int(r[1]), int(r[2]), int(r[3])) for r in verdicts],
        )


class PostgresCases(SharedCases):
    def _with_ids(self, name: str, ids: Sequence[str]) -> tuple[str, list[Any]]:
        return self.sql(AREA, name), [list(ids)]


class RedshiftCases(SharedCases):
    def _with_ids(self, name: str, ids: Sequence[str]) -> tuple[str, list[Any]]:
        return in_list(self.sql(AREA, name), len(ids)), list(ids)
