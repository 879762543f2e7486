"""What a model's thresholds catch and what they cost cardholders, on scored test rows.

A transaction is *declined* when its score reaches the block threshold (the card is blocked from
then on) or when its card was blocked by an earlier transaction of the test period: a block
outlasts any test period, so every later swipe of that card is declined whatever its score. It is
*reviewed* when it is not declined and its score reaches the review threshold. A fraud is *caught*
when it is reviewed or declined. A threshold of None never triggers (as in
:func:`fraudd.scoring.decision.decide`).

Recall per fraud scenario uses the same decisions, so its figures add up to the friction's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from fraudd.scoring.thresholds import Thresholds


@dataclass(frozen=True)
class Decisions:
    """Per test row (in the scored frame's order): declined, reviewed, on a blocked card."""

    declined: np.ndarray
    reviewed: np.ndarray
    blocking: np.ndarray
    """Rows whose own score blocked their card (the first of each card, and any later)."""


def decisions(scored: pd.DataFrame, thresholds: Thresholds) -> Decisions:
    """Decisions for rows with ``tx_time``, ``card_token`` and ``score``."""
    scores = scored["score"].to_numpy(np.float64)
    never = np.inf
    block_at = never if thresholds.block is None else thresholds.block
    review_at = never if thresholds.review is None else thresholds.review
    blocking = scores >= block_at
    times = scored["tx_time"]
    first_block = times.where(blocking).groupby(scored["card_token"]).transform("min")
    after_block = (times > first_block).fillna(False).to_numpy(bool)
    declined = blocking | after_block
    reviewed = ~declined & (scores >= review_at)
    return Decisions(declined, reviewed, blocking)


@dataclass(frozen=True)
class Friction:
    """The cost of the thresholds to genuine cardholders, against the frauds they catch."""

    review_threshold: float | None
    block_threshold: float | None
    frauds: int
    frauds_caught: int
    frauds_declined: int
    legit_reviewed: int
    legit_declined: int
    legit_declined_after_block: int
    """Of ``legit_declined``: swipes declined only because an earlier one blocked the card."""
    legit_reviewed_per_fraud_caught: float | None
    legit_declined_per_fraud_caught: float | None
    cards_blocked: int
    cards_blocked_without_fraud: int
    """Blocked cards with no fraud among their test-period transactions."""


def _per(count: int, caught: int) -> float | None:
    return None if caught == 0 else count / caught


def friction(scored: pd.DataFrame, thresholds: Thresholds) -> Friction:
    """Friction of ``thresholds`` on rows with ``tx_time``, ``card_token``, ``is_fraud``,
    ``score``."""
    made = decisions(scored, thresholds)
    fraud = scored["is_fraud"].to_numpy() > 0
    caught = made.declined | made.reviewed
    n_caught = int((fraud & caught).sum())
    legit_reviewed = int((~fraud & made.reviewed).sum())
    legit_declined = int((~fraud & made.declined).sum())
    cards = scored.assign(fraud=fraud, blocking=made.blocking).groupby("card_token")
    per_card = cards[["fraud", "blocking"]].any()
    blocked = per_card[per_card["blocking"]]
    return Friction(
        review_threshold=thresholds.review,
        block_threshold=thresholds.block,
        frauds=int(fraud.sum()),
        frauds_caught=n_caught,
        frauds_declined=int((fraud & made.declined).sum()),
        legit_reviewed=legit_reviewed,
        legit_declined=legit_declined,
        legit_declined_after_block=int((~fraud & made.declined & ~made.blocking).sum()),
        legit_reviewed_per_fraud_caught=_per(legit_reviewed, n_caught),
        legit_declined_per_fraud_caught=_per(legit_declined, n_caught),
        cards_blocked=len(blocked),
        cards_blocked_without_fraud=int((~blocked["fraud"]).sum()),
    )


@dataclass(frozen=True)
class ScenarioRecall:
    """Frauds of one scenario in the test rows and the share the thresholds catch."""

    scenario: int
    frauds: int
    recall: float
    """Caught (reviewed or declined) / frauds."""
    declined_recall: float
    """Declined / frauds."""


def recall_per_scenario(
    scored: pd.DataFrame, scenarios: pd.Series, thresholds: Thresholds
) -> list[ScenarioRecall]:
    """Recall of each fraud scenario; ``scenarios`` maps ``tx_id`` to the scenario of a fraud
    (frauds without one are left out)."""
    made = decisions(scored, thresholds)
    kinds = scored["tx_id"].map(scenarios).to_numpy()
    fraud = (scored["is_fraud"].to_numpy() > 0) & pd.notna(kinds)
    out = []
    for kind in sorted({int(k) for k in kinds[fraud]}):
        rows = fraud & (kinds == kind)
        n = int(rows.sum())
        caught = int((rows & (made.declined | made.reviewed)).sum())
        out.append(ScenarioRecall(kind, n, caught / n, int((rows & made.declined).sum()) / n))
    return out
