"""Rules from configuration: the override layer in front of any model.

Order: an allow-listed card is approved whatever else says; a block-listed card is blocked; then
amount and velocity rules give a decision that a model can make stricter but never looser.
"""

from __future__ import annotations

from dataclasses import dataclass

from fraudd.records import Swipe
from fraudd.scoring.verdict import Decision, Reason, Verdict
from fraudd.settings import RulesSettings

RULES_VERSION = "rules"


@dataclass(frozen=True)
class RuleHit:
    """The outcome of the rules for one swipe. ``final`` hits are not overridden by a model."""

    decision: Decision
    score: float
    reasons: tuple[Reason, ...]
    final: bool


class Rules:
    def __init__(self, settings: RulesSettings) -> None:
        self.s = settings
        self.allow = frozenset(settings.allow_cards)
        self.block = frozenset(settings.block_cards)

    def evaluate(self, swipe: Swipe, velocity: int) -> RuleHit:
        """Apply every rule to one swipe; ``velocity``: the card's swipes in the window."""
        if swipe.card_token in self.allow:
            return RuleHit(
                "approve", 0.0, (Reason("allow_listed", "card is on the allow-list"),), True
            )
        if swipe.card_token in self.block:
            return RuleHit(
                "block", 1.0, (Reason("block_listed", "card is on the block-list"),), True
            )
        reasons: list[Reason] = []
        decision: Decision = "approve"
        if swipe.amount >= self.s.block_amount:
            decision = "block"
            reasons.append(
                Reason(
                    "amount_block",
                    f"amount {swipe.amount:.2f} ≥ block limit {self.s.block_amount:.2f}",
                )
            )
        elif swipe.amount >= self.s.review_amount:
            decision = "review"
            reasons.append(
                Reason(
                    "amount_review",
                    f"amount {swipe.amount:.2f} ≥ review limit {self.s.review_amount:.2f}",
                )
            )
        if velocity > self.s.velocity_max:
            decision = "block" if decision == "block" else "review"
            reasons.append(
                Reason("velocity", f"{velocity} swipes within {self.s.velocity_window_s:.0f} s")
            )
        return RuleHit(decision, self._score(swipe, velocity), tuple(reasons), decision == "block")

    def _score(self, swipe: Swipe, velocity: int) -> float:
        by_amount = min(swipe.amount / self.s.block_amount, 1.0)
        by_velocity = min(velocity / (2 * self.s.velocity_max), 1.0)
        return round(max(by_amount, by_velocity), 6)

    def verdict(self, swipe: Swipe, velocity: int) -> Verdict:
        """Rules-only scoring (no model): the rules' own decision and score."""
        hit = self.evaluate(swipe, velocity)
        return Verdict(hit.score, hit.decision, hit.reasons, RULES_VERSION)
