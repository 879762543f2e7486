"""What scoring returns for one transaction: score, decision, reason codes, model version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Decision = Literal["approve", "review", "block"]
DECISION_RANK: dict[Decision, int] = {"approve": 0, "review": 1, "block": 2}


@dataclass(frozen=True)
class Reason:
    """A reason code and its wording for an investigator (never a card number)."""

    code: str
    text: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "text": self.text}


@dataclass(frozen=True)
class Verdict:
    """One transaction's decision; ``rule_set_version`` is the live rule set that took part
    (None where no rule set ran), ``rules`` the rules of it that matched, in words, and
    ``lists_revision`` the revision of the named lists it read (None: none kept)."""

    score: float
    decision: Decision
    reasons: tuple[Reason, ...]
    model_version: str
    rule_set_version: int | None = None
    rules: tuple[Reason, ...] = ()
    lists_revision: int | None = None


def stronger(a: Decision, b: Decision) -> Decision:
    """The more severe of two decisions."""
    return a if DECISION_RANK[a] >= DECISION_RANK[b] else b
