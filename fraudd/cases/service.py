"""What an investigator can do, for the web console and the command line alike.

Every action takes an :class:`Actor`, checks the role, changes the warehouse through the seam
and appends an audit entry, all in ONE transaction (DESIGN.md invariant 10): an action is either
done and audited, or neither.

Recording a verdict, in order:
  1. the case must be open;
  2. the verdict is stored;
  3. fraud / legitimate become labels of the case's alerted transactions (``labelled_at`` = the
     verdict's time); a label from another source (a chargeback, the bank's history) is kept
     and the disagreement counted;
  4. legitimate: the card's block, if any, is released; fraud: a card not blocked is blocked
     for ``block_hours`` (each audited as its own action);
  5. fraud / legitimate (or ``close=True``): the case is closed and a ``case_closed`` message
     is queued in the outbox for the alert topic (token and last 4 digits, no card number);
  6. the verdict's audit entry.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from fraudd.cases.values import OUTCOMES, VERDICT_SOURCE, AuditEntry, Case, Outcome, VerdictRecord
from fraudd.metrics import Metrics
from fraudd.pan import NO_DIGITS, holds_pan, refusal
from fraudd.records import IDENT_PATTERN, is_card_token
from fraudd.warehouse import CaseOps, Label, text_bytes

UserRole = Literal["viewer", "analyst", "investigator"]
USER_ROLES: tuple[UserRole, ...] = ("viewer", "analyst", "investigator")
"""viewer: looks; analyst: edits rule-set drafts and runs backtests (fraudd.cases.rulesets), never
acts on cases or cards; investigator: acts on cases and cards, and publishes rule sets."""
CASE_CLOSED = "case_closed"
"""The ``type`` of the message a closed case publishes on the alert topic."""
CLOSED_DECISION = "closed"
"""Its outbox ``decision`` (and SNS ``decision`` attribute): Redshift's column is VARCHAR(8)."""
NOTE_BYTES = text_bytes("verdicts", "note")
REASON_BYTES = text_bytes("card_blocks", "reason")
NAME_BYTES = text_bytes("audit_log", "actor")
TEXT_ADVICE = "refer to a card by its token or its last four digits"
_IDENT = re.compile(IDENT_PATTERN)


class ActionRefused(Exception):
    """The action cannot be done as asked; the message says why (shown to the user)."""

    status = 409


class Forbidden(ActionRefused):
    status = 403


class NotFound(ActionRefused):
    status = 404


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a name from the identity provider (or the login token), a role, a channel."""

    name: str
    role: UserRole
    via: str = "console"

    def __post_init__(self) -> None:
        checked_text("user name", self.name, NAME_BYTES)
        if not self.name or not self.name.isprintable() or self.name != self.name.strip():
            raise ActionRefused("a user name must be printable, without surrounding spaces")

    def require_investigator(self) -> None:
        if self.role != "investigator":
            raise Forbidden(f"{self.name} is a {self.role}: only investigators may act")


@dataclass(frozen=True, slots=True)
class VerdictDone:
    case: Case
    outcome: Outcome
    closed: bool
    released: bool
    labels: int
    disagreements: int


def new_id(prefix: str) -> str:
    """``prefix-`` and 128 random bits as 32 letters (hexadecimal with its digits spelled
    q-z): an id with no digits can never look like a card number, where a hexadecimal UUID
    does about once in 600 (README, "The price of the check")."""
    return f"{prefix}-{uuid.uuid4().hex.translate(NO_DIGITS)}"


def checked_text(what: str, text: str, limit: int) -> str:
    """``text`` as stored (white space collapsed), or ActionRefused in one line when it holds
    a card number or is longer than the ``limit`` UTF-8 bytes its column holds on Redshift.
    The message names ``what``, never the text."""
    clean = " ".join(text.split())
    if holds_pan(clean):
        raise ActionRefused(refusal(f"the {what}", TEXT_ADVICE))
    size = len(clean.encode())
    if size > limit:
        raise ActionRefused(
            f"the {what} is {size} bytes long in UTF-8; at most {limit} fit (the warehouse "
            f"counts bytes, and a letter outside ASCII takes 2 to 4): shorten it"
        )
    return clean


def checked_card(card_token: str) -> str:
    """``card_token`` when it has the wire record's shape (:func:`fraudd.records.is_card_token`),
    else NotFound: no such card can be blocked, so nothing is read or stored."""
    if not is_card_token(card_token):
        raise NotFound("no such card: a card token is 8-64 letters, digits, '_' or '-'")
    return card_token


def checked_tx_id(tx_id: str) -> str:
    """An empty or wire-shaped transaction id, else ActionRefused (the id is not repeated)."""
    if tx_id and (not _IDENT.fullmatch(tx_id) or holds_pan(tx_id)):
        raise ActionRefused("the transaction id is not one fraudd could have stored")
    return tx_id


def audit_entry(actor: Actor, at: datetime, action: str, subject: str, **kw: Any) -> AuditEntry:
    """An audit entry for one action of ``actor`` (keywords: detail, before, after)."""
    return AuditEntry(
        new_id("audit"), at, actor.name, actor.role, action, subject,
        kw.pop("detail", ""), kw.pop("before", None), kw.pop("after", None),
    )  # fmt: skip


async def record_verdict(
    ops: CaseOps,
    actor: Actor,
    case_id: str,
    outcome: str,
    note: str,
    at: datetime,
    *,
    close: bool | None = None,
    block_hours: float | None = None,
) -> VerdictDone:
    """Steps 1-6 of the module docstring; call inside a transaction, then :func:`count`."""
    actor.require_investigator()
    verdict = _outcome(outcome)
    note = checked_text("note", note, NOTE_BYTES)
    case = await _open_case(ops, case_id)  # 1
    record = VerdictRecord(
        new_id("verdict"), case_id, case.card_token, verdict, actor.name, note, at
    )
    await ops.insert_verdict(record)  # 2
    labels, disagreements = await _label(ops, case_id, verdict, at)  # 3
    released = await _act_on_card(ops, actor, case, verdict, at, block_hours)  # 4
    closed = verdict != "unsure" if close is None else close
    if closed:  # 5
        await _close(ops, actor, case, verdict, note, at)
    after = {"outcome": verdict, "note": note, "labels": labels, "closed": closed}
    await ops.append_audit(  # 6
        audit_entry(actor, at, "verdict.recorded", case_id, detail=note,
               before={"status": case.status}, after=after)
    )  # fmt: skip
    return VerdictDone(case, verdict, closed, released, labels, disagreements)


def _outcome(outcome: str) -> Outcome:
    if outcome not in OUTCOMES:
        raise ActionRefused(f"the outcome must be one of {', '.join(OUTCOMES)}")
    return outcome


async def _act_on_card(
    ops: CaseOps,
    actor: Actor,
    case: Case,
    verdict: Outcome,
    at: datetime,
    block_hours: float | None,
) -> bool:
    """Step 4: legitimate releases the card's block, fraud blocks a card that is not blocked
    (for ``block_hours``, when given); True when a block was released."""
    if verdict == "legitimate":
        return await release_block(ops, actor, case.card_token, "marked legitimate", at)
    if verdict == "fraud" and block_hours and await ops.get_block(case.card_token) is None:
        top = await ops.case_alerts(case.case_id)
        tx_id = top[0].alert_id if top else ""
        await extend_block(ops, actor, case.card_token, tx_id, block_hours, "confirmed fraud", at)
    return False


def count(metrics: Metrics, done: VerdictDone, at: datetime) -> None:
    """Metrics of a committed verdict."""
    metrics.verdicts.labels(outcome=done.outcome).inc()
    metrics.label_disagreements.inc(done.disagreements)
    if done.closed:
        metrics.alert_to_verdict.observe(max(0.0, (at - done.case.opened_at).total_seconds()))


async def _open_case(ops: CaseOps, case_id: str) -> Case:
    case = await ops.get_case(case_id)
    if case is None:
        raise NotFound("no such case")
    if case.status != "open":
        raise ActionRefused(f"case {case_id} is already {case.status}")
    return case


async def _label(ops: CaseOps, case_id: str, outcome: Outcome, at: datetime) -> tuple[int, int]:
    """Labels of the case's transactions from the verdict; (written, disagreements)."""
    if outcome == "unsure":
        return 0, 0
    is_fraud = outcome == "fraud"
    tx_ids = [a.alert_id for a in await ops.case_alerts(case_id)]  # alert id = tx id
    stored = await ops.stored_labels(tx_ids)
    disagreements = sum(
        1 for t in tx_ids if t in stored and stored[t].source != VERDICT_SOURCE
        and stored[t].is_fraud != is_fraud
    )  # fmt: skip
    writable = [t for t in tx_ids if t not in stored or stored[t].source == VERDICT_SOURCE]
    await ops.replace_labels([Label(t, is_fraud, at) for t in writable], VERDICT_SOURCE)
    return len(writable), disagreements


async def _close(
    ops: CaseOps, actor: Actor, case: Case, outcome: Outcome, note: str, at: datetime
) -> None:
    if not await ops.close_case(case.case_id, outcome, actor.name, at):
        raise ActionRefused(f"case {case.case_id} was closed meanwhile")
    message = {
        "type": CASE_CLOSED,
        "case_id": case.case_id,
        "card_token": case.card_token,
        "card_last4": case.last4,
        "verdict": outcome,
        "closed_by": actor.name,
        "closed_at": at.isoformat(),
        "note": note,
    }
    await ops.enqueue_message(new_id("closed"), case.card_token, CLOSED_DECISION, message)
    await ops.append_audit(
        audit_entry(actor, at, "case.closed", case.case_id,
               before={"status": "open"}, after={"status": "closed", "outcome": outcome})
    )  # fmt: skip


async def release_block(
    ops: CaseOps, actor: Actor, card_token: str, reason: str, at: datetime
) -> bool:
    """Lift the card's block (audited); False when the card was not blocked."""
    actor.require_investigator()
    checked_card(card_token)
    reason = checked_text("reason", reason, REASON_BYTES)
    if not reason:
        raise ActionRefused("a release needs a reason")
    block = await ops.get_block(card_token)
    if block is None or not await ops.release_block(card_token):
        return False
    await ops.append_audit(
        audit_entry(actor, at, "block.released", card_token, detail=reason,
               before=block.as_state(), after=None)
    )  # fmt: skip
    return True


async def extend_block(
    ops: CaseOps,
    actor: Actor,
    card_token: str,
    tx_id: str,
    hours: float,
    reason: str,
    at: datetime,
) -> datetime:
    """Block the card for ``hours`` more (from its current expiry, or from now when it is not
    blocked); return the new expiry."""
    actor.require_investigator()
    if not 0 < hours <= 24 * 365:
        raise ActionRefused("hours must be between 0 and 8760")
    checked_card(card_token)
    checked_tx_id(tx_id)
    reason = checked_text("reason", reason, REASON_BYTES) or "extended by an investigator"
    block = await ops.get_block(card_token)
    start = max(block.expires_at, at) if block is not None else at
    expires = start + timedelta(hours=hours)
    await ops.set_block(card_token, block.tx_id if block else tx_id, reason, expires)
    after = {"card_token": card_token, "reason": reason, "expires_at": expires.isoformat()}
    before = block.as_state() if block is not None else None
    entry = audit_entry(
        actor, at, "block.extended", card_token, detail=reason, before=before, after=after
    )
    await ops.append_audit(entry)
    return expires


async def assign(
    ops: CaseOps, actor: Actor, case_id: str, assignee: str | None, at: datetime
) -> None:
    """Take a case (or hand it back with ``None``)."""
    actor.require_investigator()
    case = await _open_case(ops, case_id)
    if not await ops.assign_case(case_id, assignee):
        raise ActionRefused(f"case {case_id} was closed meanwhile")
    await ops.append_audit(
        audit_entry(actor, at, "case.assigned", case_id,
               before={"assignee": case.assignee}, after={"assignee": assignee})
    )  # fmt: skip
