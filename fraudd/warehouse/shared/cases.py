"""The console's operations where the dialects agree; each dialect's class supplies how a list of
ids is bound (:meth:`SharedCases._fetch_ids`, :meth:`SharedCases._execute_ids`)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fraudd.warehouse.api.cases import (
    AuditEntry,
    Block,
    Case,
    CaseAlert,
    CaseFilter,
    CaseSummary,
    HistoryRow,
    HourVerdicts,
    MinuteCount,
    MinuteLatency,
    Outcome,
    Overview,
    StoredLabel,
    VerdictRecord,
)
from fraudd.warehouse.api.labels import Label
from fraudd.warehouse.base import Row
from fraudd.warehouse.session import SessionBase

AREA = "cases"
ID_CHUNK = 1000
"""Ids per statement: far below both drivers' parameter limits and Redshift's 16 MB."""


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


class SharedCases(SessionBase):
    # --- how a dialect binds a list of ids (overridden) ----------------------------------
    async def _fetch_ids(self, name: str, ids: Sequence[str], *after: Any) -> list[Row]:
        raise NotImplementedError

    async def _execute_ids(self, name: str, ids: Sequence[str]) -> None:
        raise NotImplementedError

    # --- cases -----------------------------------------------------------------------------
    async def intake_alerts(self, since: datetime) -> int:
        await self.conn.execute(self.sql(AREA, "open_cases"), since)
        now = datetime.now(UTC)
        return await self.conn.execute(self.sql(AREA, "attach_alerts"), now, since)

    async def list_cases(self, query: CaseFilter) -> list[CaseSummary]:
        q = query
        rows = await self.conn.fetch(
            self.sql(AREA, "list_cases"),
            q.status,
            *(q.decision, q.decision),
            *(q.opened_since, q.opened_since),
            *(q.min_amount, q.min_amount),
            *(q.merchant_category, q.merchant_category),
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

    async def get_case(self, case_id: str) -> Case | None:
        r = await self.conn.fetchrow(self.sql(AREA, "get_case"), case_id)
        if r is None:
            return None
        closed_at = utc(r[6]) if r[6] is not None else None
        return Case(r[0], r[1], r[2], r[3], r[4], utc(r[5]), closed_at, r[7], r[8])

    async def case_alerts(self, case_id: str) -> list[CaseAlert]:
        rows = await self.conn.fetch(self.sql(AREA, "case_alerts"), case_id)
        return [
            CaseAlert(
                r[0], r[1], float(r[2]), utc(r[3]), parsed(r[4]) or {},
                utc(r[5]) if r[5] is not None else None, r[6], r[7], r[8], r[9], r[10],
            )
            for r in rows
        ]  # fmt: skip

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

    async def open_case_count(self) -> int:
        return int(await self.conn.fetchval(self.sql(AREA, "open_case_count")) or 0)

    # --- verdicts and labels -------------------------------------------------------------------
    async def insert_verdict(self, verdict: VerdictRecord) -> None:
        v = verdict
        await self.conn.execute(
            self.sql(AREA, "insert_verdict"),
            v.verdict_id, v.case_id, v.card_token, v.outcome, v.actor, v.note, v.decided_at,
        )  # fmt: skip

    async def card_verdicts(self, card_token: str) -> list[VerdictRecord]:
        rows = await self.conn.fetch(self.sql(AREA, "card_verdicts"), card_token)
        return [VerdictRecord(r[0], r[1], r[2], r[3], r[4], r[5], utc(r[6])) for r in rows]

    async def stored_labels(self, tx_ids: Sequence[str]) -> dict[str, StoredLabel]:
        found: dict[str, StoredLabel] = {}
        for part in chunks(tx_ids):
            for r in await self._fetch_ids("stored_labels", part):
                found[r[0]] = StoredLabel(bool(r[1]), r[2])
        return found

    async def replace_labels(self, labels: Sequence[Label], source: str) -> None:
        for part in chunks([label.tx_id for label in labels]):
            await self._execute_ids("delete_labels", part)
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

    async def release_block(self, card_token: str) -> bool:
        return await self.conn.execute(self.sql(AREA, "release_block"), card_token) > 0

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


def _block(r: Row) -> Block:
    return Block(r[0], r[1], r[2], r[3], utc(r[4]), utc(r[5]))
