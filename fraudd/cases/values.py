"""What a case is: its header and closing, the verdicts on it, the blocks people set, the audit
log's entries, and the label sources a verdict or a chargeback writes (DESIGN.md invariants 6
and 10). The rules about them are :mod:`fraudd.cases.service`'s; the warehouse stores them and
imports this module, which imports nothing of the package's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

Outcome = Literal["fraud", "legitimate", "unsure"]
OUTCOMES: tuple[Outcome, ...] = ("fraud", "legitimate", "unsure")
VERDICT_SOURCE = "verdict"
"""``labels.source`` of a label written by a verdict; a chargeback replaces it."""
CHARGEBACK_SOURCE = "chargeback"


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
class Case(CaseHeader):
    """One case: its header and how it was closed (None while open)."""

    closed_at: datetime | None
    closed_by: str | None
    outcome: str | None


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
