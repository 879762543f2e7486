"""Rules from configuration: the override layer in front of any model.

Order: an allow-listed card is approved whatever else says; a block-listed card is blocked; then
amount and velocity rules give a decision that a model can make stricter but never looser.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fraudd.records import Swipe
from fraudd.scoring.verdict import Decision, Reason, Verdict, stronger
from fraudd.settings import RulesSettings

RULES_VERSION = "rules"
ALLOW_LISTED = Reason("allow_listed", "card is on the allow-list")
BLOCK_LISTED = Reason("block_listed", "card is on the block-list")


@dataclass(frozen=True)
class RuleHit:
    """The outcome of the rules for one swipe: their own verdict (model version
    :data:`RULES_VERSION`), and whether it is ``final`` (not overridden by a model)."""

    verdict: Verdict
    final: bool


def _hit(decision: Decision, score: float, reasons: tuple[Reason, ...], final: bool) -> RuleHit:
    return RuleHit(Verdict(score, decision, reasons, RULES_VERSION), final)


class Rules:
    def __init__(self, settings: RulesSettings) -> None:
        self.s = settings
        allow, block = frozenset(settings.allow_cards), frozenset(settings.block_cards)
        # The card lists in the order they win, each with the hit a card on it gets.
        self.lists = (
            (allow, _hit("approve", 0.0, (ALLOW_LISTED,), final=True)),
            (block, _hit("block", 1.0, (BLOCK_LISTED,), final=True)),
        )
        # Amount limits, strictest first: the first one reached decides.
        self.amount_limits: tuple[tuple[Decision, float], ...] = (
            ("block", settings.block_amount),
            ("review", settings.review_amount),
        )

    def evaluate(self, swipe: Swipe, velocity: int) -> RuleHit:
        """Apply every rule to one swipe; ``velocity``: the card's swipes in the window."""
        for cards, listed in self.lists:
            if swipe.card_token in cards:
                return listed
        reasons: list[Reason] = []
        decision: Decision = "approve"
        for level, limit in self.amount_limits:
            if swipe.amount >= limit:
                decision = level
                text = f"amount {swipe.amount:.2f} ≥ {level} limit {limit:.2f}"
                reasons.append(Reason(f"amount_{level}", text))
                break
        if velocity > self.s.velocity_max:
            decision = stronger(decision, "review")
            reasons.append(
                Reason("velocity", f"{velocity} swipes within {self.s.velocity_window_s:.0f} s")
            )
        score = self._score(swipe, velocity)
        return _hit(decision, score, tuple(reasons), final=decision == "block")

    def _score(self, swipe: Swipe, velocity: int) -> float:
        return float(rules_only_scores(np.array([swipe.amount]), np.array([velocity]), self.s)[0])

    def verdict(self, swipe: Swipe, velocity: int) -> Verdict:
        """Rules-only scoring (no model): the rules' own decision and score."""
        return self.evaluate(swipe, velocity).verdict


def rules_only_scores(amount: np.ndarray, velocity: np.ndarray, s: RulesSettings) -> np.ndarray:
    """The score of rules-only scoring (no model): amount and velocity against their limits."""
    by_amount = np.minimum(np.asarray(amount, dtype=np.float64) / s.block_amount, 1.0)
    by_velocity = np.minimum(np.asarray(velocity, dtype=np.float64) / (2 * s.velocity_max), 1.0)
    return np.round(np.maximum(by_amount, by_velocity), 6)
